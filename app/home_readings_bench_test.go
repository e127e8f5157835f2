package app_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"folio/app/readings"
)

// yearOfReadings is a year of a patient's home readings ending yesterday,
// as one mapped CSV: blood pressure morning and evening, with the morning
// weight and fasting glucose, 1,460 readings in 730 rows.
func yearOfReadings(end time.Time) string {
	var b strings.Builder
	b.WriteString("when,sys,dia,pulse,kg,glucose\n")
	day := time.Date(end.Year(), end.Month(), end.Day(), 0, 0, 0, 0, time.Local).AddDate(0, 0, -1)
	for i := 364; i >= 0; i-- {
		d := day.AddDate(0, 0, -i)
		fmt.Fprintf(&b, "%s 07:%02d,%d,%d,%d,%.1f,%d\n", d.Format("2006-01-02"), i%60, 120+i%25, 75+i%12, 60+i%20,
			80+float64(i%30)/10, 90+i%40)
		fmt.Fprintf(&b, "%s 19:%02d,%d,%d,%d,,\n", d.Format("2006-01-02"), (i*7)%60, 125+i%20, 78+i%10, 64+i%15)
	}
	return b.String()
}

// BenchmarkImportReadingsYear imports a year of one patient's home readings
// (1,460 readings, twice-daily BP with daily weight and glucose) into the
// generated clinic of 100,000 patients, each time for a new patient: the
// file read, every reading checked and compared with the chart, and all
// written in one transaction (target: under 300 ms).
func BenchmarkImportReadingsYear(b *testing.B) {
	_, patients, chart := benchServices(b)
	file := yearOfReadings(time.Now())
	format, err := chart.SaveReadingFormat(fmt.Sprintf("Bench meter %d", time.Now().UnixNano()), readings.Spec{
		Delimiter: ",", Header: true, DateColumn: 1, DateLayout: "YYYY-MM-DD", Systolic: 2, Diastolic: 3, Pulse: 4,
		Weight: 5, WeightUnit: "kg", Glucose: 6, GlucoseUnit: "mg/dL"})
	if err != nil {
		b.Fatal(err)
	}
	t := make(timings, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		in := samplePatient()
		in.FamilyName, in.Phone = fmt.Sprintf("Readingbench%d", time.Now().UnixNano()), ""
		p, err := registerAnyway(patients, in)
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		start := time.Now()
		imp, err := chart.ImportReadings(p.ID, "year.csv", file, format.ID)
		t = append(t, time.Since(start))
		if err != nil {
			b.Fatal(err)
		}
		if imp.RowsAdded != 1460 {
			b.Fatalf("%d readings added, want 1460", imp.RowsAdded)
		}
	}
	b.StopTimer()
	t.report(b)
}
