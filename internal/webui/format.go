package webui

import (
	"fmt"
	"time"
)

// HoursMinutes says d in whole hours and minutes the way a person reads
// it ("1 hour", "2 hours 5 minutes", "45 minutes"). Each surface words the
// zero and the sub-minute cases itself.
func HoursMinutes(d time.Duration) string {
	h, m := int(d/time.Hour), int(d%time.Hour/time.Minute)
	switch {
	case h == 0:
		return plural(m, "minute")
	case m == 0:
		return plural(h, "hour")
	}
	return plural(h, "hour") + " " + plural(m, "minute")
}

func plural(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return fmt.Sprintf("%d %ss", n, unit)
}
