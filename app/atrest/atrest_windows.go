package atrest

import (
	"os/exec"
	"path/filepath"
	"strings"
)

const advice = "Turn on BitLocker for the drive that holds Folio's data folder: Settings → Privacy & security → " +
	"Device encryption, or Control Panel → BitLocker Drive Encryption (Windows Pro). Keep the recovery key " +
	"away from the PC."

// check asks the shell for the drive's BitLocker protection, which needs no
// administrator (manage-bde does). Untested on this project's machines:
// they run Linux.
func check(folder string) Finding {
	abs, _ := filepath.Abs(folder)
	drive := filepath.VolumeName(abs)
	if drive == "" {
		return Finding{State: Unknown, How: "the folder is on no drive letter"}
	}
	out, err := exec.Command("powershell", "-NoProfile", "-NonInteractive", "-Command",
		"(New-Object -ComObject Shell.Application).NameSpace('"+drive+"\\').Self.ExtendedProperty('System.Volume.BitLockerProtection')").Output()
	if err != nil {
		return Finding{State: Unknown, Volume: drive, How: "Windows did not say whether BitLocker is on: " + err.Error()}
	}
	// 1 on, 3 encrypting, 5 on but suspended; 2 off; others: not encryptable or unknown.
	switch strings.TrimSpace(string(out)) {
	case "1", "3":
		return Finding{State: Encrypted, Volume: drive, How: "BitLocker"}
	case "5":
		return Finding{State: Encrypted, Volume: drive, How: "BitLocker, suspended: resume it to protect the drive"}
	case "2":
		return Finding{State: NotEncrypted, Volume: drive, How: "BitLocker is off"}
	}
	return Finding{State: Unknown, Volume: drive, How: "BitLocker is not available on this drive, or Windows did not say"}
}
