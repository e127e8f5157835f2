package app

import (
	"fmt"
	"strings"
	"time"

	"folio/app/throttle"
)

// signInDelays keep password guessing out without a lockout that anyone
// could use against an account, the admin's included. Wrong passwords
// count twice, in memory:
//
//   - per user name at one computer (the desktop window, or a browser's
//     network address): 5 in a row are free (typing slips), then each next
//     one makes that computer wait before it may try that name again: 1 s,
//     2 s, 4 s ... up to 15 minutes. After some 15 wrong passwords a
//     computer gets one guess per 15 minutes at a name, under 100 a day,
//     against passwords of 10 characters or more. The same name at another
//     computer is not slowed: a stranger at one PC cannot keep the admin out
//     at theirs.
//   - per computer, whatever the names: 20 free, then the same growth, so
//     that trying many names (or many accounts' common passwords) at one PC
//     is slowed as much.
//
// Unknown user names count exactly like real ones, so a delay tells no one
// which accounts exist. A right password at a computer forgets that
// computer's counts (its own and the name's there), so a clinic's daily
// sign-ins never wait. An admin's reset of a password forgets the name's
// counts; a restart of Folio forgets all (the recovery procedure in README).
type signInDelays struct {
	names   *throttle.Limiter // key: folded user name, NUL, computer
	clients *throttle.Limiter // key: computer
}

func newSignInDelays() signInDelays {
	// An hour without a wrong password forgets the counts: longer than the
	// longest wait, so that waiting it out does not also reset the count.
	// 10,000 keys are ~1 MB at most, far beyond a clinic's names and PCs.
	base := throttle.Policy{First: time.Second, Max: 15 * time.Minute, Forget: time.Hour, Keys: 10_000}
	names, clients := base, base
	names.Free, clients.Free = 5, 20
	return signInDelays{names: throttle.New(names), clients: throttle.New(clients)}
}

func nameKey(username, client string) string {
	return strings.ToLower(strings.TrimSpace(username)) + "\x00" + client
}

// refuse is the answer to a try that must wait, before its password is
// looked at; nil when it may go ahead.
func (d signInDelays) refuse(username, client string, now time.Time) *Error {
	return tooManyWrong(d.names.Wait(nameKey(username, client), now), d.clients.Wait(client, now))
}

// fail counts a wrong password (or unknown name) and answers the wait it
// imposes on the next try, nil while it imposes none.
func (d signInDelays) fail(username, client string, now time.Time) *Error {
	return tooManyWrong(d.names.Fail(nameKey(username, client), now), d.clients.Fail(client, now))
}

// succeed forgets the counts of a computer where the right password was
// typed for username.
func (d signInDelays) succeed(username, client string) {
	d.names.Forget(nameKey(username, client))
	d.clients.Forget(client)
}

// forgetName forgets a user name's counts at every computer: its password
// was reset, and whoever guessed at the old one has nothing left to find.
func (d signInDelays) forgetName(username string) {
	d.names.ForgetPrefix(strings.ToLower(strings.TrimSpace(username)) + "\x00")
}

func tooManyWrong(nameWait, clientWait time.Duration) *Error {
	switch {
	case nameWait == 0 && clientWait == 0:
		return nil
	case nameWait >= clientWait:
		return errorf(Forbidden, "Too many wrong passwords for this user name. Try again in %s. An admin can reset a forgotten password.",
			waitWords(nameWait))
	default:
		return errorf(Forbidden, "Too many wrong passwords at this computer. Try again in %s.", waitWords(clientWait))
	}
}

// waitWords is a wait as a person reads it, rounded up: "1 second",
// "40 seconds", "15 minutes".
func waitWords(d time.Duration) string {
	if d <= time.Minute {
		n := int((d + time.Second - 1) / time.Second)
		if n == 1 {
			return "1 second"
		}
		return fmt.Sprintf("%d seconds", n)
	}
	n := int((d + time.Minute - 1) / time.Minute)
	return fmt.Sprintf("%d minutes", n)
}
