//go:build dev || production || bindings

package main

import (
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"os"
	"runtime"

	"github.com/wailsapp/wails/v2"
	"github.com/wailsapp/wails/v2/pkg/options"
	"github.com/wailsapp/wails/v2/pkg/options/assetserver"
	"github.com/wailsapp/wails/v2/pkg/options/linux"
	wailsruntime "github.com/wailsapp/wails/v2/pkg/runtime"

	"folio/app"
)

func runDesktop(ctx context.Context, args []string, stdout io.Writer) error {
	fs, dataFlag := newFlags("", "[--data DIR]", stdout)
	if err := parse(fs, args); err != nil {
		return err
	}
	dataDir := resolveDataDir(*dataFlag)
	if runtime.GOOS == "linux" && os.Getenv("DISPLAY") == "" && os.Getenv("WAYLAND_DISPLAY") == "" {
		fmt.Fprintln(stdout, "No display found: serving Folio to a browser on this PC instead.")
		return serveUntilDone(ctx, dataDir, "127.0.0.1:8765", stdout)
	}
	a, closeApp, err := openApp(ctx, dataDir)
	if err != nil {
		return err
	}
	defer closeApp()
	stopSharing := shareFromWindow(a, dataDir)
	defer stopSharing()
	a.WarmUp()
	session := a.NewSession("")
	files := &Files{session: session}
	title := "Folio"
	if demo, _ := a.DemoClinic(); demo {
		title = demoTitle
	}
	return wails.Run(&options.App{
		Title:            title,
		Width:            1280,
		Height:           820,
		MinWidth:         900,
		MinHeight:        600,
		BackgroundColour: &options.RGBA{R: 244, G: 246, B: 248, A: 255},
		AssetServer:      &assetserver.Options{Assets: assets()},
		Bind:             append(a.Services(session), files),
		OnStartup: func(ctx context.Context) {
			files.ctx = ctx
			// The page hears what others change, as a browser does over
			// GET /api/events; the forwarder ends with the window.
			go forwardNotices(ctx, a, session, func(event string, data ...any) {
				wailsruntime.EventsEmit(ctx, event, data...)
			})
		},
		ErrorFormatter: a.FormatError,
		Linux:          &linux.Options{ProgramName: "folio", WebviewGpuPolicy: linux.WebviewGpuPolicyNever},
	})
}

// Files saves what the UI exports (the day list, the call list as CSV)
// where the person chooses. A browser downloads files by itself; the
// desktop window has no downloads, so it asks with the system's dialog.
type Files struct {
	ctx     context.Context
	session *app.Session
}

// SaveText asks where to save name and writes text there. It answers the
// path written, or "" when the person cancelled.
func (f *Files) SaveText(name, text string) (string, error) {
	if !f.session.SignedIn() {
		return "", &app.Error{Kind: app.Unauthenticated, Message: "Please sign in."}
	}
	path, err := wailsruntime.SaveFileDialog(f.ctx, wailsruntime.SaveDialogOptions{Title: "Save " + name, DefaultFilename: name})
	if err != nil || path == "" {
		return "", err
	}
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		return "", &app.Error{Kind: app.Invalid, Message: fmt.Sprintf("Folio could not write %s: %v", path, err)}
	}
	return path, nil
}

// ChooseFolder asks for a folder with the system's dialog (the whole-clinic
// export writes into one). It answers the folder's full path, or "" when
// the person cancelled.
func (f *Files) ChooseFolder(title string) (string, error) {
	if !f.session.SignedIn() {
		return "", &app.Error{Kind: app.Unauthenticated, Message: "Please sign in."}
	}
	if title == "" {
		title = "Choose a folder"
	}
	return wailsruntime.OpenDirectoryDialog(f.ctx, wailsruntime.OpenDialogOptions{Title: title, CanCreateDirectories: true})
}

// SaveBase64 is SaveText for a binary file (an exported archive), whose
// bytes cross from the UI as standard base64.
func (f *Files) SaveBase64(name, data string) (string, error) {
	raw, err := base64.StdEncoding.DecodeString(data)
	if err != nil {
		return "", &app.Error{Kind: app.Invalid, Message: "The file to save was damaged on its way; nothing was written."}
	}
	if !f.session.SignedIn() {
		return "", &app.Error{Kind: app.Unauthenticated, Message: "Please sign in."}
	}
	path, err := wailsruntime.SaveFileDialog(f.ctx, wailsruntime.SaveDialogOptions{Title: "Save " + name, DefaultFilename: name})
	if err != nil || path == "" {
		return "", err
	}
	if err := os.WriteFile(path, raw, 0o600); err != nil {
		return "", &app.Error{Kind: app.Invalid, Message: fmt.Sprintf("Folio could not write %s: %v", path, err)}
	}
	return path, nil
}
