package db

import (
	"database/sql"
	"errors"
	"fmt"
)

// Setting reads one clinic setting; ok is false when it was never set.
func (t *Tx) Setting(key string) (value string, ok bool, err error) {
	err = t.queryRow("SELECT value FROM settings WHERE key = ?", key).Scan(&value)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("read setting %s: %w", key, err)
	}
	return value, true, nil
}

// SetSetting stores one clinic setting.
func (t *Tx) SetSetting(key, value string) error {
	_, err := t.exec(`INSERT INTO settings (key, value) VALUES (?, ?)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value`, key, value)
	if err != nil {
		return fmt.Errorf("save setting %s: %w", key, err)
	}
	return nil
}

// NextSequence reserves the next count numbers of a named counter (which
// starts at 1) and returns the first. The counter lives in settings, so it
// survives restarts and never repeats a number.
func (t *Tx) NextSequence(name string, count int) (int64, error) {
	var last int64
	err := t.queryRow(`INSERT INTO settings (key, value) VALUES (?, ?)
		ON CONFLICT (key) DO UPDATE SET value = CAST(CAST(value AS INTEGER) + ? AS TEXT)
		RETURNING CAST(value AS INTEGER)`, "seq."+name, count, count).Scan(&last)
	if err != nil {
		return 0, fmt.Errorf("next %s number: %w", name, err)
	}
	return last - int64(count) + 1, nil
}
