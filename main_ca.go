package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"

	"folio/app/clinicca"
)

// runCA is `folio ca`: the clinic's certificate authority, to compare its
// code and to install its certificate in browsers. It makes the authority
// if the clinic has none yet.
func runCA(ctx context.Context, args []string, stdout io.Writer) error {
	fs, dataFlag := newFlags("ca", "ca [--export FILE] [--data DIR]", stdout)
	export := fs.String("export", "", "write the clinic's certificate (PEM, no key) to FILE, to install in browsers")
	if err := parse(fs, args); err != nil {
		return err
	}
	dataDir := resolveDataDir(*dataFlag)
	if err := needClinic(dataDir); err != nil {
		return err
	}
	ca, err := clinicca.Open(tlsDir(dataDir), clinicca.Options{})
	if err != nil {
		return err
	}
	cert := ca.Certificate()
	fmt.Fprintf(stdout, "%s\nSHA-256 fingerprint: %s\nCode: %s\nValid until: %s\n",
		cert.Subject.CommonName, ca.Fingerprint(), ca.Code(), cert.NotAfter.Format("2006-01-02"))
	if *export == "" {
		return nil
	}
	if err := writeExport(*export, ca.PEM()); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Wrote the clinic's certificate to %s; install it in each browser (see the README).\n", *export)
	return nil
}

// writeExport writes a new file; an existing one is left alone. The
// certificate is public (it holds no key), so others may read the file:
// it is meant to be copied to every computer.
func writeExport(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("%s exists already; choose another name, or remove it first", path)
	}
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("cannot write %s: its folder does not exist", path)
	}
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		os.Remove(path)
		return fmt.Errorf("write %s: %w", path, err)
	}
	return f.Close()
}
