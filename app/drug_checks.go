package app

// What the interaction and allergy checks know of each medication and
// allergy on a chart: its codings, gathered in one place per kind, the
// knowledge base's reading of them (see cds.ResolveDrug and
// cds.ResolveAllergen), and, for what cannot be read, why it is not
// checked, so every screen can say so.

import (
	"fmt"
	"slices"
	"strings"

	"folio/app/cds"
	"folio/app/fhir"
	"folio/db"
)

// medicationCodings are the codings a medication is known by: the RxNorm
// code Folio charted it with, then every coding it arrived with.
func medicationCodings(m db.Medication) []cds.Coding {
	out := rxnormCodings(m.RxNorm)
	for _, c := range checkCodings(m.Codes) {
		if !slices.ContainsFunc(out, func(had cds.Coding) bool { return had.System == c.System && had.Code == c.Code }) {
			out = append(out, c)
		}
	}
	return out
}

func rxnormCodings(code string) []cds.Coding {
	if code == "" {
		return nil
	}
	return []cds.Coding{{System: cds.SystemRxNorm, Code: code}}
}

// allergyCodings are the codings an allergy is known by: every coding it
// arrived with, then its code column. That column keeps no system: the
// form takes an RxNorm or a SNOMED CT code, and cds.GuessCoding tells them
// apart by the form of a SNOMED CT concept id (its partition digits and
// Verhoeff check digit), which an RxNorm code passes about once in 500.
func allergyCodings(a db.Allergy) []cds.Coding {
	out := checkCodings(a.Codes)
	if a.Code != "" && !slices.ContainsFunc(out, func(c cds.Coding) bool { return c.Code == a.Code }) {
		out = append(out, cds.GuessCoding(a.Code))
	}
	return out
}

// checkCodings are codings as a sender wrote them, their systems named
// as the knowledge base knows them: RxNorm, SNOMED CT and CVX come under
// several URIs and OIDs.
func checkCodings(codes []db.Coding) []cds.Coding {
	out := make([]cds.Coding, 0, len(codes))
	for _, c := range codes {
		system := c.System
		switch fhir.SystemName(c.System) {
		case "RxNorm":
			system = cds.SystemRxNorm
		case "SNOMED CT":
			system = cds.SystemSNOMED
		case "CVX":
			system = cds.SystemCVX
		}
		out = append(out, cds.Coding{System: system, Code: c.Code, Display: c.Display})
	}
	return out
}

// DrugCheck says whether a medication or allergy is checked for
// interactions, and as what: Checked false with NotChecked saying why
// ("free text", "unknown code RxNorm 123"). An allergy to a food or
// something in the environment is not a drug: Checked is false and
// NotChecked empty, as there is nothing to check it against.
type DrugCheck struct {
	Checked    bool   `json:"checked"`
	CheckedAs  string `json:"checkedAs"`  // the drug or class it was read as: "lisinopril", "penicillins"
	NotChecked string `json:"notChecked"` // why it is not checked, for a drug; "" otherwise
}

// medicationDrug is a medication as the checks see it: its classes as the
// knowledge base reads it now, joined with those charted with it (so a
// drug charted before the list knew it is checked once the list knows it,
// and one the list no longer names keeps what it was charted with).
func (a *App) medicationDrug(m db.Medication) (cds.Drug, DrugCheck) {
	r := a.cds.ResolveDrug(m.DrugName, medicationCodings(m))
	d := cds.Drug{Name: m.DrugName, RxNorm: m.RxNorm, Classes: joinClasses(m.Classes, r.Classes), Generic: r.Drug}
	return d, drugCheck(r, len(m.Classes) > 0)
}

// drugCheck is a resolution in the words of the screens; charted says the
// drug was charted with classes, which are checked even when the list no
// longer reads it.
func drugCheck(r cds.Resolution, charted bool) DrugCheck {
	switch {
	case r.Mapped():
		as := r.Drug
		if as == "" {
			as = strings.Join(r.Classes, ", ")
		}
		return DrugCheck{Checked: true, CheckedAs: as}
	case charted:
		return DrugCheck{Checked: true, CheckedAs: "its classes when charted"}
	}
	return DrugCheck{NotChecked: notCheckedReason(r)}
}

// notCheckedReason is why a record could not be read: "unknown code
// RxNorm 123" when it had codes, else "free text".
func notCheckedReason(r cds.Resolution) string {
	if len(r.Unknown) == 0 {
		return "free text"
	}
	var codes []string
	for _, c := range r.Unknown {
		codes = append(codes, systemName(c.System)+" "+c.Code)
	}
	if len(codes) == 1 {
		return "unknown code " + codes[0]
	}
	return "unknown codes " + strings.Join(codes, ", ")
}

func systemName(system string) string {
	switch system {
	case cds.SystemRxNorm:
		return "RxNorm"
	case cds.SystemSNOMED:
		return "SNOMED CT"
	case cds.SystemCVX:
		return "CVX"
	}
	return system
}

func joinClasses(charted, now []string) []string {
	out := append([]string{}, charted...)
	for _, c := range now {
		found := false
		for _, h := range out {
			found = found || h == c
		}
		if !found {
			out = append(out, c)
		}
	}
	return out
}

// allergySubstance is an allergy as the checks see it, and whether it is
// checked. One that names a food or something in the environment (by its
// kind, or a code known not to be a drug) is not a drug: nothing to check.
// A drug or drug class that cannot be read is not checked; so is one of
// kind "other" that came with a code the knowledge base does not know
// (codes are of drugs; a name alone of kind other may be anything).
func (a *App) allergySubstance(al db.Allergy) (cds.AllergySubstance, DrugCheck) {
	codings := allergyCodings(al)
	s := cds.AllergySubstance{Substance: al.Substance, Code: al.Code, Codings: codings}
	r := a.cds.ResolveAllergen(al.Substance, codings)
	switch {
	case r.NotDrug || al.SubstanceKind == "food" || al.SubstanceKind == "environment":
		return s, DrugCheck{}
	case r.Mapped():
		return s, drugCheck(r, false)
	case al.SubstanceKind == "drug" || al.SubstanceKind == "drug_class" || len(r.Unknown) > 0:
		return s, DrugCheck{NotChecked: notCheckedReason(r)}
	}
	return s, DrugCheck{}
}

// UncheckedEntry is a medication or allergy on the chart (or the drug
// being added) that the interaction check could not read.
type UncheckedEntry struct {
	Kind   string `json:"kind"` // medication, allergy, or new (the drug being added)
	ID     string `json:"id"`   // the medication's or allergy's id; "" for the new drug
	Name   string `json:"name"`
	Reason string `json:"reason"` // "free text", "unknown code RxNorm 123"
}

// MedicationCheck is what adding a drug would raise: its alerts, gravest
// first, and what could not be checked, with Note saying so in one
// sentence ("" when everything was checked).
type MedicationCheck struct {
	Alerts    []Alert          `json:"alerts"`
	Unchecked []UncheckedEntry `json:"unchecked"`
	Note      string           `json:"note"`
}

// uncheckedNote is the sentence a prescriber reads about entries that
// could not be checked: "2 entries could not be checked: Grandma's herbal
// tea (free text), XYZ (unknown code RxNorm 123)."
func uncheckedNote(entries []UncheckedEntry) string {
	if len(entries) == 0 {
		return ""
	}
	parts := make([]string, len(entries))
	for i, e := range entries {
		parts[i] = fmt.Sprintf("%s (%s)", e.Name, e.Reason)
	}
	what := "1 entry could not be checked for interactions: "
	if len(entries) > 1 {
		what = fmt.Sprintf("%d entries could not be checked for interactions: ", len(entries))
	}
	return what + strings.Join(parts, ", ") + "."
}
