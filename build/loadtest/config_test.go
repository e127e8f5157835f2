package main

import (
	"testing"
	"time"
)

func TestConfigFrom(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		want    config
		wantErr bool
	}{
		{"the full day", nil, config{Duration: 10 * time.Minute, Patients: 100000, Charts: 500, Appointments: 50000, Seed: 1,
			DataDir: "/tmp/folio-loadtest", Desks: 3, Clinicians: 6}, false},
		{"quick mode", map[string]string{"LOADTEST_DURATION": "30s", "LOADTEST_PATIENTS": "5000", "LOADTEST_SEED": "7",
			"LOADTEST_DATA": "/x"}, config{Duration: 30 * time.Second, Patients: 5000, Charts: 50, Appointments: 2500, Seed: 7,
			DataDir: "/x", Desks: 3, Clinicians: 6}, false},
		{"charts and appointments given", map[string]string{"LOADTEST_CHARTS": "10", "LOADTEST_APPOINTMENTS": "0"},
			config{Duration: 10 * time.Minute, Patients: 100000, Charts: 10, Appointments: 0, Seed: 1,
				DataDir: "/tmp/folio-loadtest", Desks: 3, Clinicians: 6}, false},
		{"with the browser", map[string]string{"LOADTEST_BROWSER": "1"}, config{Duration: 10 * time.Minute, Patients: 100000,
			Charts: 500, Appointments: 50000, Seed: 1, DataDir: "/tmp/folio-loadtest", Desks: 3, Clinicians: 6, Browser: true}, false},
		{"the browser neither on nor off", map[string]string{"LOADTEST_BROWSER": "maybe"}, config{}, true},
		{"a duration without a unit", map[string]string{"LOADTEST_DURATION": "30"}, config{}, true},
		{"patients not a number", map[string]string{"LOADTEST_PATIENTS": "lots"}, config{}, true},
		{"too few patients", map[string]string{"LOADTEST_PATIENTS": "10"}, config{}, true},
		{"no clinicians", map[string]string{"LOADTEST_CLINICIANS": "0"}, config{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := configFrom(func(name string) string { return tt.env[name] })
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want an error: %v", err, tt.wantErr)
			}
			if tt.wantErr {
				return
			}
			if got.Duration != tt.want.Duration || got.Patients != tt.want.Patients || got.Charts != tt.want.Charts ||
				got.Appointments != tt.want.Appointments || got.Seed != tt.want.Seed || got.DataDir != tt.want.DataDir ||
				got.Desks != tt.want.Desks || got.Clinicians != tt.want.Clinicians || got.Browser != tt.want.Browser {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestQuantile(t *testing.T) {
	var times []time.Duration
	for i := 1; i <= 100; i++ {
		times = append(times, time.Duration(i)*time.Millisecond)
	}
	tests := []struct {
		q    float64
		in   []time.Duration
		want time.Duration
	}{
		{0.50, times, 50 * time.Millisecond},
		{0.95, times, 95 * time.Millisecond},
		{0.99, times, 99 * time.Millisecond},
		{1, times, 100 * time.Millisecond},
		{0.95, times[:1], time.Millisecond},
		{0.95, nil, 0},
	}
	for _, tt := range tests {
		if got := quantile(tt.in, tt.q); got != tt.want {
			t.Errorf("quantile(%d times, %v) = %v, want %v", len(tt.in), tt.q, got, tt.want)
		}
	}
}
