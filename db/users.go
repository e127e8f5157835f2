package db

import (
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// User is a person who may sign in to Folio.
type User struct {
	ID           string
	Username     string
	FullName     string
	Role         string
	PasswordHash string
	Active       bool
	FailedLogins int
	LockedUntil  time.Time
	CreatedAt    time.Time
	UpdatedAt    time.Time
	// LicenceNumber is a prescriber's professional licence or registration
	// number, printed on their prescriptions; '' for the others.
	LicenceNumber string
}

const userColumns = `id, username, full_name, role, password_hash, active, failed_logins, locked_until, created_at, updated_at,
	licence_number`

func scanUser(row scanner) (User, error) {
	var u User
	var lockedUntil, created, updated string
	err := row.Scan(&u.ID, &u.Username, &u.FullName, &u.Role, &u.PasswordHash, &u.Active, &u.FailedLogins,
		&lockedUntil, &created, &updated, &u.LicenceNumber)
	if errors.Is(err, sql.ErrNoRows) {
		return u, ErrNotFound
	}
	if err != nil {
		return u, fmt.Errorf("read user: %w", err)
	}
	if lockedUntil != "" {
		u.LockedUntil = parseTime(lockedUntil)
	}
	u.CreatedAt, u.UpdatedAt = parseTime(created), parseTime(updated)
	return u, nil
}

// CountUsers tells how many accounts exist (zero means first run).
func (t *Tx) CountUsers() (int, error) {
	var n int
	if err := t.queryRow("SELECT count(*) FROM users").Scan(&n); err != nil {
		return 0, fmt.Errorf("count users: %w", err)
	}
	return n, nil
}

// InsertUser adds u; ErrDuplicate if the user name is taken.
func (t *Tx) InsertUser(u User) error {
	_, err := t.exec(`INSERT INTO users (`+userColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		u.ID, u.Username, u.FullName, u.Role, u.PasswordHash, u.Active, u.FailedLogins,
		lockedText(u.LockedUntil), formatTime(u.CreatedAt), formatTime(u.UpdatedAt), u.LicenceNumber)
	if isUnique(err) {
		return ErrDuplicate
	}
	if err != nil {
		return fmt.Errorf("insert user %s: %w", u.Username, err)
	}
	return nil
}

// UserByID reads one user.
func (t *Tx) UserByID(id string) (User, error) {
	return scanUser(t.queryRow(`SELECT `+userColumns+` FROM users WHERE id = ?`, id))
}

// UserByName reads one user by user name, ignoring case.
func (t *Tx) UserByName(username string) (User, error) {
	return scanUser(t.queryRow(`SELECT `+userColumns+` FROM users WHERE username = ?`, username))
}

// Users lists every account, active first, by name.
func (t *Tx) Users() ([]User, error) {
	rows, err := t.query(`SELECT ` + userColumns + ` FROM users ORDER BY active DESC, full_name COLLATE NOCASE`)
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	defer rows.Close()
	var users []User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, err
		}
		users = append(users, u)
	}
	return users, rows.Err()
}

// UpdateUser writes the account fields that change over its life: name,
// role, password, active flag, login lockout state and licence number.
func (t *Tx) UpdateUser(u User) error {
	res, err := t.exec(`UPDATE users SET full_name = ?, role = ?, password_hash = ?, active = ?,
		failed_logins = ?, locked_until = ?, updated_at = ?, licence_number = ? WHERE id = ?`,
		u.FullName, u.Role, u.PasswordHash, u.Active, u.FailedLogins, lockedText(u.LockedUntil),
		formatTime(u.UpdatedAt), u.LicenceNumber, u.ID)
	if err != nil {
		return fmt.Errorf("update user %s: %w", u.Username, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

// CountActiveAdmins guards against disabling the last admin.
func (t *Tx) CountActiveAdmins() (int, error) {
	var n int
	err := t.queryRow("SELECT count(*) FROM users WHERE role = 'admin' AND active = 1").Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count admins: %w", err)
	}
	return n, nil
}

func lockedText(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return formatTime(t)
}
