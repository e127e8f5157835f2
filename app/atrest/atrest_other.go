//go:build !linux && !windows && !darwin

package atrest

const advice = "Put Folio's data folder on a disk the operating system encrypts."

func check(string) Finding {
	return Finding{State: Unknown, How: "Folio cannot tell on this operating system"}
}
