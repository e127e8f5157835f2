package app

import (
	"encoding/json"
	"fmt"
	"strings"

	"folio/app/care"
)

// CareRuleSetting is a care rule as the clinic runs it: on or off, and its
// interval (the rule's own, or the clinic's).
type CareRuleSetting struct {
	RuleID string `json:"ruleId"`
	Title  string `json:"title"`
	Kind   string `json:"kind"`
	Source string `json:"source"`
	Off    bool   `json:"off"`
	// Intervals: the rule's ways with their own intervals in months, in words
	// ("Colonoscopy 120, FIT 12"), or "once", or "each season".
	Intervals string `json:"intervals"`
	// EveryMonths: the clinic's interval for all its ways (0: the rule's own).
	EveryMonths int `json:"everyMonths"`
}

// CareRuleInput changes how the clinic runs one rule.
type CareRuleInput struct {
	RuleID      string `json:"ruleId"`
	Off         bool   `json:"off"`
	EveryMonths int    `json:"everyMonths"` // 0: the rule's own
	Reason      string `json:"reason"`
}

// maxCareMonths bounds a clinic's interval: 20 years.
const maxCareMonths = 240

// CareRules lists the care rules with how the clinic runs each.
func (s *Admin) CareRules() ([]CareRuleSetting, error) {
	var out []CareRuleSetting
	err := s.app.look(s.session, permAdmin, func(o *op) error {
		set, err := o.careSettings()
		if err != nil {
			return err
		}
		out = careRuleSettings(set)
		return nil
	})
	return answer(out, err)
}

// SetCareRule switches a rule off or on, or gives it the clinic's own
// interval, saying why; the change is in the audit trail and every chart
// follows it at once.
func (s *Admin) SetCareRule(in CareRuleInput) ([]CareRuleSetting, error) {
	in.RuleID, in.Reason = strings.TrimSpace(in.RuleID), strings.TrimSpace(in.Reason)
	rule := careRule(in.RuleID)
	prepare := func() error {
		fields := fieldErrors{}
		if rule == nil {
			fields.add("ruleId", "Folio has no such care rule.")
		} else if in.EveryMonths != 0 && (rule.Once || rule.Season) {
			fields.add("everyMonths", "This rule is done once (or each season): it has no interval to change.")
		}
		if in.EveryMonths < 0 || in.EveryMonths > maxCareMonths {
			fields.add("everyMonths", fmt.Sprintf("Give the interval in months, 1 to %d, or leave it empty for the rule's own.", maxCareMonths))
		}
		if in.Reason == "" {
			fields.add("reason", "Say why the clinic changes this rule (it is kept in the audit trail).")
		}
		return fields.err()
	}
	var out []CareRuleSetting
	err := s.app.prepareAndAct(s.session, permAdmin, prepare, func(o *op) error {
		set, err := o.careSettings()
		if err != nil {
			return err
		}
		if set == nil {
			set = map[string]care.Setting{}
		}
		before := set[in.RuleID]
		now := care.Setting{Off: in.Off, EveryMonths: in.EveryMonths}
		if now == (care.Setting{}) {
			delete(set, in.RuleID)
		} else {
			set[in.RuleID] = now
		}
		raw, err := json.Marshal(set)
		if err != nil {
			return err
		}
		if err := o.SetSetting(careSettingKey, string(raw)); err != nil {
			return err
		}
		out = careRuleSettings(set)
		return o.audit("care.rule", "", "care_rule/"+in.RuleID, fmt.Sprintf("%s: %s -> %s; reason: %s", in.RuleID,
			describeCareSetting(before), describeCareSetting(now), in.Reason))
	})
	return out, err
}

func describeCareSetting(s care.Setting) string {
	switch {
	case s.Off:
		return "off"
	case s.EveryMonths > 0:
		return fmt.Sprintf("every %d months", s.EveryMonths)
	}
	return "as published"
}

func careRuleSettings(set map[string]care.Setting) []CareRuleSetting {
	var out []CareRuleSetting
	for _, r := range care.Rules() {
		var ways []string
		for _, w := range r.DoneBy {
			if w.EveryMonths > 0 {
				ways = append(ways, fmt.Sprintf("%s %d", w.Name, w.EveryMonths))
			}
		}
		switch {
		case r.Once:
			ways = []string{"once"}
		case r.Season:
			ways = []string{"each season"}
		}
		s := set[r.ID]
		out = append(out, CareRuleSetting{RuleID: r.ID, Title: r.Title, Kind: r.Kind, Source: r.Source, Off: s.Off,
			Intervals: strings.Join(ways, ", "), EveryMonths: s.EveryMonths})
	}
	return out
}
