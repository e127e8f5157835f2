package atrest

import (
	"os/exec"
	"path/filepath"
	"strings"
)

const advice = "Turn on FileVault: System Settings → Privacy & Security → FileVault. A data folder on an external " +
	"disk needs that disk encrypted too (Finder → right-click the disk → Encrypt)."

// check asks fdesetup, which answers for the start-up disk. Untested on
// this project's machines: they run Linux.
func check(folder string) Finding {
	abs, _ := filepath.Abs(folder)
	if strings.HasPrefix(abs, "/Volumes/") {
		return Finding{State: Unknown, Volume: abs, How: "the folder is on another disk than the start-up disk: see Finder's Get Info of that disk"}
	}
	out, err := exec.Command("fdesetup", "status").Output()
	if err != nil {
		return Finding{State: Unknown, Volume: "/", How: "macOS did not say whether FileVault is on: " + err.Error()}
	}
	switch s := string(out); {
	case strings.Contains(s, "FileVault is On"):
		return Finding{State: Encrypted, Volume: "/", How: "FileVault"}
	case strings.Contains(s, "FileVault is Off"):
		return Finding{State: NotEncrypted, Volume: "/", How: "FileVault is off"}
	}
	return Finding{State: Unknown, Volume: "/", How: "macOS did not say whether FileVault is on"}
}
