//go:build dev || production || bindings

package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/wailsapp/wails/v2"
	"github.com/wailsapp/wails/v2/pkg/options"
	"github.com/wailsapp/wails/v2/pkg/options/assetserver"
	"github.com/wailsapp/wails/v2/pkg/options/linux"
	wailsruntime "github.com/wailsapp/wails/v2/pkg/runtime"

	"folio/app"
	"folio/app/serve"
	"folio/app/workstation"
)

func runDesktop(ctx context.Context, args []string, stdout io.Writer) error {
	fs, dataFlag := newFlags("", "[--data DIR]", stdout)
	if err := parse(fs, args); err != nil {
		return err
	}
	dataDir := resolveDataDir(*dataFlag)
	paired := workstation.Paired(dataDir)
	if runtime.GOOS == "linux" && os.Getenv("DISPLAY") == "" && os.Getenv("WAYLAND_DISPLAY") == "" {
		fmt.Fprintln(stdout, "No display found: serving Folio to a browser on this PC instead.")
		if paired {
			return serveWorkstationUntilDone(ctx, dataDir, "127.0.0.1:8765", stdout)
		}
		return serveUntilDone(ctx, dataDir, "127.0.0.1:8765", stdout)
	}
	if paired {
		return runWorkstationWindow(dataDir)
	}
	return runClinicWindow(ctx, dataDir)
}

// runClinicWindow opens the window on the clinic in dataDir (its page calls
// the bound services), or on its first-run screen, which sets up a clinic
// or joins the clinic's host instead: then the window becomes that host's
// workstation, without the clinic files it had made here.
func runClinicWindow(ctx context.Context, dataDir string) error {
	made := clinicFilesIn(dataDir)
	a, closeApp, err := openApp(ctx, dataDir)
	if err != nil {
		return err
	}
	closeClinic := sync.OnceFunc(closeApp)
	defer closeClinic()
	stopSharing := sync.OnceFunc(shareFromWindow(a, dataDir))
	defer stopSharing()
	a.WarmUp()
	a.RecordStorageCheck()
	a.StartReplication()
	a.StartSchedule()
	session := a.NewSession("")
	services := a.Services(session)
	auth := services[0].(*app.Auth)
	api := &windowAPI{}
	files := &Files{signedIn: func() bool {
		if api.workstation() {
			return api.signedIn()
		}
		return session.SignedIn()
	}}
	title := "Folio"
	if demo, _ := a.DemoClinic(); demo {
		title = demoTitle
	}
	var windowCtx context.Context
	noticesCtx, stopNotices := context.WithCancel(context.Background())
	defer stopNotices()
	joining := workstation.NewJoining(dataDir, nil,
		func() error {
			st, err := auth.Status()
			if err != nil {
				return err
			}
			if !st.SetupNeeded {
				return &app.Error{Kind: app.Conflict, Message: "This PC holds the clinic " + st.ClinicName +
					"; it cannot also be a workstation of another host."}
			}
			return nil
		},
		func(c *workstation.Config) error {
			api.becomeWorkstation(c)
			stopNotices()
			stopSharing()
			closeClinic()
			if err := removeClinicFilesMade(dataDir, made); err != nil {
				a.Logger().Warn("remove the files of the clinic not set up", "err", err)
			}
			wailsruntime.WindowSetTitle(windowCtx, workstationTitle(c))
			return nil
		})
	restart := restartWhenAsked(a)
	err = wails.Run(windowOptions(title, api, append(services, files, joining), a.FormatError,
		func(ctx context.Context) {
			windowCtx, files.ctx = ctx, ctx
			// A restore chosen on the screen: the window closes, and
			// Folio opens again on the restored clinic.
			go func() {
				select {
				case <-restart:
					wailsruntime.Quit(ctx)
				case <-ctx.Done():
				}
			}()
			// The page hears what others change, as a browser does over
			// GET /api/events; the forwarder ends with the window, or when
			// it becomes a workstation.
			go forwardNotices(noticesCtx, a, session, func(event string, data ...any) {
				wailsruntime.EventsEmit(ctx, event, data...)
			})
			go func() { <-ctx.Done(); stopNotices() }()
		}))
	select {
	case <-restart:
		if err == nil {
			return &restartError{}
		}
	default:
	}
	return err
}

// runWorkstationWindow opens the window of a paired workstation: the same
// UI, whose calls go to the clinic's host through the window's proxy. No
// chart is opened here.
func runWorkstationWindow(dataDir string) error {
	c, err := workstation.Load(dataDir)
	if err != nil {
		return err
	}
	api := &windowAPI{}
	api.becomeWorkstation(c)
	files := &Files{signedIn: api.signedIn}
	joining := workstation.NewJoining(dataDir, c, nil, nil)
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	formatError := func(err error) any {
		b, _ := json.Marshal(app.AsError(err, logger))
		return string(b)
	}
	return wails.Run(windowOptions(workstationTitle(c), api, []any{files, joining}, formatError,
		func(ctx context.Context) { files.ctx = ctx }))
}

// windowOptions are the window's, with bind as its bound services and api
// answering the page's /api calls.
func windowOptions(title string, api http.Handler, bind []any, formatError func(error) any,
	startup func(context.Context)) *options.App {
	return &options.App{
		Title:            title,
		Width:            1280,
		Height:           820,
		MinWidth:         900,
		MinHeight:        600,
		BackgroundColour: &options.RGBA{R: 244, G: 246, B: 248, A: 255},
		// Wails serves the bundled UI, and hands every other request
		// (the page's /api calls, its change stream) to api.
		AssetServer:    &assetserver.Options{Assets: assets(), Handler: api},
		Bind:           bind,
		OnStartup:      startup,
		ErrorFormatter: formatError,
		Linux:          &linux.Options{ProgramName: "folio", WebviewGpuPolicy: linux.WebviewGpuPolicyNever},
	}
}

// workstationTitle names the PC as the admin named it and the host the
// window works on, without the port everyone uses.
func workstationTitle(c *workstation.Config) string {
	host := strings.TrimSuffix(c.Host, ":8443")
	if c.Name == "" {
		return "Folio — workstation of " + host
	}
	return "Folio — " + c.Name + ", a workstation of " + host
}

// windowAPI answers the page's /api calls: none while the window is the
// clinic's own (its page calls the bound services), the host's through the
// window's proxy once it is a workstation.
type windowAPI struct {
	proxy atomic.Pointer[serve.WindowProxy]
}

func (w *windowAPI) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	if p := w.proxy.Load(); p != nil {
		p.ServeHTTP(rw, r)
		return
	}
	http.NotFound(rw, r)
}

func (w *windowAPI) becomeWorkstation(c *workstation.Config) {
	w.proxy.Store(serve.NewWindowProxy(c.Host, c.Transport(), workstationTrouble(c)))
}

func (w *windowAPI) workstation() bool { return w.proxy.Load() != nil }

// signedIn says whether the window holds a session with the host.
func (w *windowAPI) signedIn() bool {
	p := w.proxy.Load()
	return p != nil && p.HasSession()
}

// Files saves what the UI exports (the day list, the call list as CSV)
// where the person chooses. A browser downloads files by itself; the
// desktop window has no downloads, so it asks with the system's dialog.
type Files struct {
	ctx context.Context
	// signedIn says whether someone is signed in at the window.
	signedIn func() bool
}

// SaveText asks where to save name and writes text there. It answers the
// path written, or "" when the person cancelled.
func (f *Files) SaveText(name, text string) (string, error) {
	if !f.signedIn() {
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
	if !f.signedIn() {
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
	if !f.signedIn() {
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
