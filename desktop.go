//go:build dev || production || bindings

package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"runtime"

	"github.com/wailsapp/wails/v2"
	"github.com/wailsapp/wails/v2/pkg/options"
	"github.com/wailsapp/wails/v2/pkg/options/assetserver"
	"github.com/wailsapp/wails/v2/pkg/options/linux"
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
	session := a.NewSession("")
	return wails.Run(&options.App{
		Title:            "Folio",
		Width:            1280,
		Height:           820,
		MinWidth:         900,
		MinHeight:        600,
		BackgroundColour: &options.RGBA{R: 244, G: 246, B: 248, A: 255},
		AssetServer:      &assetserver.Options{Assets: assets()},
		Bind:             a.Services(session),
		ErrorFormatter:   a.FormatError,
		Linux:            &linux.Options{ProgramName: "folio", WebviewGpuPolicy: linux.WebviewGpuPolicyNever},
	})
}
