package policy

import (
	"fmt"
	"regexp"
	"strconv"
	"time"
)

// .NET TimeSpan as Entra writes lifetimes: [d.]hh:mm:ss[.fffffff].
var timeSpanRE = regexp.MustCompile(`^(?:(\d{1,5})\.)?(\d{1,2}):(\d{2}):(\d{2})(?:\.(\d{1,7}))?$`)

// ParseTimeSpan parses a .NET TimeSpan such as "04:00:00" or "1.00:00:00".
func ParseTimeSpan(s string) (time.Duration, error) {
	m := timeSpanRE.FindStringSubmatch(s)
	if m == nil {
		return 0, fmt.Errorf("%q is not a time span of the form [d.]hh:mm:ss", s)
	}
	days, _ := strconv.Atoi(m[1])
	h, _ := strconv.Atoi(m[2])
	mi, _ := strconv.Atoi(m[3])
	sec, _ := strconv.Atoi(m[4])
	if h > 23 || mi > 59 || sec > 59 {
		return 0, fmt.Errorf("%q: hours must be 0-23, minutes and seconds 0-59", s)
	}
	d := time.Duration(days)*24*time.Hour + time.Duration(h)*time.Hour + time.Duration(mi)*time.Minute + time.Duration(sec)*time.Second
	if m[5] != "" {
		frac := m[5] + "0000000"[len(m[5]):] // 100ns ticks
		ticks, _ := strconv.Atoi(frac)
		d += time.Duration(ticks) * 100
	}
	return d, nil
}

// FormatTimeSpan writes a duration as a .NET TimeSpan.
func FormatTimeSpan(d time.Duration) string {
	days := int(d / (24 * time.Hour))
	d -= time.Duration(days) * 24 * time.Hour
	s := fmt.Sprintf("%02d:%02d:%02d", int(d/time.Hour), int(d%time.Hour/time.Minute), int(d%time.Minute/time.Second))
	if days > 0 {
		return fmt.Sprintf("%d.%s", days, s)
	}
	return s
}
