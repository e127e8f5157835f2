// Package atrest tells whether a folder is on an encrypted volume.
//
// modernc.org/sqlite has no page encryption, so the chart file is as safe
// at rest as the disk it is on: a stolen PC or a disk taken out of one
// gives up every chart unless the operating system encrypts the volume
// (LUKS/dm-crypt on Linux, BitLocker on Windows, FileVault on macOS).
// Folio cannot encrypt the volume itself; it says whether it is, and how
// to turn it on when it is not.
package atrest

// Finding is what Check found out about a folder's volume.
type Finding struct {
	// State is "encrypted", "not-encrypted" or "unknown".
	State string `json:"state"`
	// Volume names the volume: its mount point, and device where known.
	Volume string `json:"volume"`
	// How says what encrypts it ("LUKS (dm-crypt)"), or why it is not
	// known or not encrypted, in the clinic's words.
	How string `json:"how"`
	// Advice says how to turn encryption on; "" when it is on.
	Advice string `json:"advice"`
}

// The states of a Finding.
const (
	Encrypted    = "encrypted"
	NotEncrypted = "not-encrypted"
	Unknown      = "unknown"
)

// Check finds out whether folder is on an encrypted volume.
func Check(folder string) Finding {
	f := check(folder)
	if f.State != Encrypted && f.Advice == "" {
		f.Advice = advice
	}
	return f
}

// Summary is the finding in one line, for the audit trail and the log.
func (f Finding) Summary() string {
	s := f.State + ": " + f.How
	if f.Volume != "" {
		s += " (" + f.Volume + ")"
	}
	return s
}
