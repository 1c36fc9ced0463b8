// Package buildinfo reports Gatehouse's version.
package buildinfo

import "runtime/debug"

// Version is set at build time with -ldflags "-X github.com/gatehouse-id/gatehouse/internal/buildinfo.Version=v1.2.3".
var Version = ""

// String returns the version, falling back to the module version or VCS
// revision recorded by the Go toolchain.
func String() string {
	if Version != "" {
		return Version
	}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	if v := info.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	rev, dirty := "", false
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	if rev == "" {
		return "devel"
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	if dirty {
		rev += "-dirty"
	}
	return "devel-" + rev
}
