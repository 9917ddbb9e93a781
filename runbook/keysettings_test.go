package runbook

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/oss-ai-agent-tool/kubectl-rotation/collectors"
)

// TestTriage_KeySettings: Vault settings that remove versions retention
// keeps (max_versions below retention, by Vault's max(key's, mount's)
// rule; delete_version_after shorter than retention × the rotation
// interval, by the shorter of the two set) are compliance findings before
// a version is lost, with the command that fixes them; what the mount's
// unread config leaves open is unknown, never clear; the undelete step
// lifts delete_version_after first.
func TestTriage_KeySettings(t *testing.T) {
	dur := func(d time.Duration) *collectors.Duration { c := collectors.Duration(d); return &c }
	n := func(v int) *int { return &v }
	// recorded: every tenant's settings read, the mount's as given
	recorded := func(mountMax *int, mountDVA *collectors.Duration, mountErr string) snapOpt {
		return func(s *collectors.Snapshot) {
			for i := range s.Vault.Tenants {
				tn := &s.Vault.Tenants[i]
				tn.DeleteVersionAfter, tn.MountMaxVersions, tn.MountDeleteVersionAfter, tn.MountConfigError = dur(0), mountMax, mountDVA, mountErr
			}
		}
	}
	readable := recorded(n(0), dur(0), "")
	unread := recorded(nil, nil, "read secret/config (vault read secret/config): permission denied (403)")
	tenant := func(s *collectors.Snapshot, id string) *collectors.Tenant {
		for i := range s.Vault.Tenants {
			if s.Vault.Tenants[i].ID == id {
				return &s.Vault.Tenants[i]
			}
		}
		t.Fatalf("no tenant %s", id)
		return nil
	}
	type want struct {
		kind, tenant string
		severity     Severity
		detail       []string
	}
	cases := map[string]struct {
		opts     []snapOpt
		want     []want
		unknown  string // a compliance unknown holding it; "" none about settings
		undelete string // the undelete step's command, when checked
	}{
		"healthy, the mount's read": {opts: []snapOpt{readable}},
		"a snapshot from before the settings were recorded: not judged on them": {},
		"max_versions 0 (unset) on key and mount: Vault's default 10 keeps retention": {opts: []snapOpt{readable, func(s *collectors.Snapshot) {
			tenant(s, "t01").MaxVersions = 0
		}}},
		"max_versions above retention: nothing": {opts: []snapOpt{readable, func(s *collectors.Snapshot) { tenant(s, "t01").MaxVersions = 9 }}},
		"max_versions 2 on the key": {
			opts: []snapOpt{readable, func(s *collectors.Snapshot) { tenant(s, "t01").MaxVersions = 2 }},
			want: []want{{ComplianceMaxVersionsBelowRetention, "t01", SeverityWarning, []string{"Vault keeps only 2 versions (the key's max_versions 2), below retention (5)",
				"data encrypted with old keys may become inaccessible", "set it to retention: vault kv metadata put -max-versions=5 secret/tenants/t01/cmek"}}},
		},
		// the mount's delete_version_after lifted (as a finding showed) after
		// it stamped the current version: that deletion time stays
		"settings lifted, the current version still scheduled for deletion": {
			opts: []snapOpt{readable, func(s *collectors.Snapshot) {
				tn := tenant(s, "t01")
				at := testNow.Add(51 * time.Minute)
				tn.Expiring, tn.CurrentDeletionTime = []int{tn.CurrentVersion}, &at
			}},
			want: []want{{ComplianceDeleteVersionAfter, "t01", SeverityCritical, []string{"still scheduled for deletion by a delete_version_after lifted since",
				"Encryption key not found at", "(in 51m", "vault kv undelete -versions="}}},
		},
		"max_versions 2 on the key, the mount's 8: Vault keeps 8": {opts: []snapOpt{recorded(n(8), dur(0), ""), func(s *collectors.Snapshot) { tenant(s, "t01").MaxVersions = 2 }}},
		"the mount's max_versions 3, the key sets none": {
			opts: []snapOpt{recorded(n(3), dur(0), ""), func(s *collectors.Snapshot) {
				tenant(s, "t01").MaxVersions = 0 // the others' 5 is above the mount's: Vault keeps 5
			}},
			want: []want{{ComplianceMaxVersionsBelowRetention, "t01", SeverityWarning, []string{"Vault keeps only 3 versions (the mount's max_versions 3 (secret/config))"}}},
		},
		"versions within retention already dropped: critical, and the key lost": {
			opts: []snapOpt{readable, func(s *collectors.Snapshot) {
				tn := tenant(s, "t01")
				tn.MaxVersions, tn.OldestVersion, tn.LiveVersions = 2, 29, 2
			}},
			want: []want{
				{ComplianceKeyUnavailable, "t01", SeverityCritical, []string{"version 26,27,28, within retention (5), no longer kept by Vault (the oldest it keeps is 29; it keeps 2 versions: the key's max_versions 2)", "a dropped version cannot be undeleted"}},
				{ComplianceMaxVersionsBelowRetention, "t01", SeverityCritical, []string{"already dropped: version 26,27,28 (the oldest kept is 29)"}},
			},
		},
		"the mount's config unread, the key's max_versions 2: a warning saying so": {
			opts:    []snapOpt{unread, func(s *collectors.Snapshot) { tenant(s, "t01").MaxVersions = 2 }},
			want:    []want{{ComplianceMaxVersionsBelowRetention, "t01", SeverityWarning, []string{"the mount's is unknown (read secret/config (vault read secret/config): permission denied (403))", "vault kv metadata put -max-versions=5 secret/tenants/t01/cmek"}}},
			unknown: "whether delete_version_after deletes versions within retention of 10 tenants",
		},
		"the mount's config unread, the keys set retention: only delete_version_after unknown": {
			opts:    []snapOpt{unread},
			unknown: "Vault's version settings: whether delete_version_after deletes versions within retention of 10 tenants (t01, t02, t03, t04, t05 and 5 more) cannot be told: the mount's own settings were not read (read secret/config (vault read secret/config): permission denied (403))",
		},
		"the mount's config unread, a key without max_versions: unknown": {
			opts:    []snapOpt{unread, func(s *collectors.Snapshot) { tenant(s, "t03").MaxVersions = 0 }},
			unknown: "whether Vault keeps 5 versions (max_versions) of 1 tenant (t03)",
		},
		"delete_version_after 1s on the key": {
			opts: []snapOpt{readable, func(s *collectors.Snapshot) { tenant(s, "t01").DeleteVersionAfter = dur(time.Second) }},
			want: []want{{ComplianceDeleteVersionAfter, "t01", SeverityWarning, []string{"delete_version_after 1s (the key's) soft-deletes every key version 1s after it is written",
				"the current version is deleted too (Encryption key not found)", "5 × 24h00m = 5d", "lift it: vault kv metadata put -delete-version-after=0s secret/tenants/t01/cmek"}}},
		},
		"delete_version_after longer than retention needs: nothing": {
			opts: []snapOpt{readable, func(s *collectors.Snapshot) { tenant(s, "t01").DeleteVersionAfter = dur(6 * 24 * time.Hour) }},
		},
		"delete_version_after 2d: versions within retention deleted": {
			opts: []snapOpt{readable, func(s *collectors.Snapshot) {
				tn := tenant(s, "t01")
				tn.DeleteVersionAfter, tn.Expiring = dur(48*time.Hour), []int{29, 30}
			}},
			want: []want{{ComplianceDeleteVersionAfter, "t01", SeverityWarning, []string{"before it leaves retention", "version 29,30 scheduled for deletion",
				"lift it: vault kv metadata put -delete-version-after=0s secret/tenants/t01/cmek && vault kv undelete -versions=29,30 secret/tenants/t01/cmek"}}},
		},
		"the mount's delete_version_after, shorter than the key's": {
			opts: []snapOpt{recorded(n(0), dur(time.Hour), ""), func(s *collectors.Snapshot) {
				for i := range s.Vault.Tenants {
					s.Vault.Tenants[i].DeleteVersionAfter = dur(7 * 24 * time.Hour)
				}
			}},
			want: func() []want {
				var ws []want
				for _, id := range tenantIDs(10) {
					ws = append(ws, want{ComplianceDeleteVersionAfter, id, SeverityWarning, []string{"delete_version_after 1h00m (the mount's (secret/config))",
						"lift it: vault kv metadata put -delete-version-after=0s secret/tenants/" + id + "/cmek && vault write secret/config delete_version_after=0s"}})
				}
				return ws
			}(),
		},
		"the undelete step lifts delete_version_after first, the mount's once": {
			opts: []snapOpt{recorded(n(0), dur(time.Hour), ""), func(s *collectors.Snapshot) {
				for _, id := range []string{"t01", "t02"} {
					tn := tenant(s, id)
					tn.Deleted, tn.CurrentDeletionTime, tn.Expiring = []int{30}, before(time.Minute), []int{29}
				}
				tenant(s, "t02").DeleteVersionAfter = dur(time.Second)
			}},
			want: func() []want {
				ws := []want{
					{ComplianceKeyUnavailable, "t01", SeverityCritical, []string{"restore with: vault write secret/config delete_version_after=0s && vault kv undelete -versions=29,30 secret/tenants/t01/cmek"}},
					{ComplianceKeyUnavailable, "t02", SeverityCritical, []string{"restore with: vault kv metadata put -delete-version-after=0s secret/tenants/t02/cmek && vault write secret/config delete_version_after=0s && vault kv undelete -versions=29,30 secret/tenants/t02/cmek"}},
					{ComplianceDeleteVersionAfter, "t02", SeverityWarning, []string{"delete_version_after 1s (the key's)"}},
				}
				for _, id := range tenantIDs(10) {
					if id != "t02" { // the mount's 1h applies to every key
						ws = append(ws, want{ComplianceDeleteVersionAfter, id, SeverityWarning, []string{"delete_version_after 1h00m (the mount's (secret/config))"}})
					}
				}
				return ws
			}(),
			undelete: "vault write secret/config delete_version_after=0s\nvault kv undelete -versions=29,30 secret/tenants/t01/cmek\nvault kv metadata put -delete-version-after=0s secret/tenants/t02/cmek\nvault kv undelete -versions=29,30 secret/tenants/t02/cmek",
		},
		"an undelete while the mount's delete_version_after is unknown says so": {
			opts: []snapOpt{unread, func(s *collectors.Snapshot) {
				tn := tenant(s, "t01")
				tn.Deleted, tn.CurrentDeletionTime = []int{30}, before(time.Minute)
			}},
			want:    []want{{ComplianceKeyUnavailable, "t01", SeverityCritical, []string{"restore with: vault kv undelete -versions=30 secret/tenants/t01/cmek; whether secret/config sets delete_version_after too is unknown (read secret/config (vault read secret/config): permission denied (403)): if it does, Vault deletes them again after it; lift it with: vault write secret/config delete_version_after=0s"}}},
			unknown: "of 10 tenants",
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			s := healthySnapshot(t, tc.opts...)
			a := Triage(s, testNow)
			var got []want
			for _, c := range a.Compliance.Findings {
				switch c.Kind {
				case ComplianceKeyUnavailable, ComplianceMaxVersionsBelowRetention, ComplianceDeleteVersionAfter:
					got = append(got, want{c.Kind, c.Tenant, c.Severity, []string{c.Detail}})
				}
			}
			key := func(w want) string { return w.kind + " " + w.tenant + " " + string(w.severity) }
			var gotKeys, wantKeys []string
			for _, g := range got {
				gotKeys = append(gotKeys, key(g))
			}
			for _, w := range tc.want {
				wantKeys = append(wantKeys, key(w))
			}
			slices.Sort(gotKeys)
			slices.Sort(wantKeys)
			if !slices.Equal(gotKeys, wantKeys) {
				t.Fatalf("findings\n%v\nwant\n%v\n(%v)", gotKeys, wantKeys, got)
			}
			for _, w := range tc.want {
				i := slices.IndexFunc(got, func(g want) bool { return key(g) == key(w) })
				for _, d := range w.detail {
					if !strings.Contains(got[i].detail[0], d) {
						t.Errorf("%s: detail\n%s\nlacks\n%s", key(w), got[i].detail[0], d)
					}
				}
			}
			var settingsUnknown []string
			for _, u := range a.Compliance.Unknown {
				if strings.HasPrefix(u, "Vault's version settings:") {
					settingsUnknown = append(settingsUnknown, u)
				}
			}
			switch {
			case tc.unknown == "" && len(settingsUnknown) > 0:
				t.Errorf("unknown %q, want none about the settings", settingsUnknown)
			case tc.unknown != "" && (len(settingsUnknown) != 1 || !strings.Contains(settingsUnknown[0], tc.unknown)):
				t.Errorf("unknown %q, want one holding %q", settingsUnknown, tc.unknown)
			}
			if tc.unknown != "" && a.ExitCode() != 3 && a.Overall != SeverityCritical && a.Overall != SeverityWarning {
				t.Errorf("exit %d with the settings unknown", a.ExitCode())
			}
			if tc.undelete != "" {
				if step := renderedStep(t, mustDefault(t), s, a, ScenarioRetentionOverflow, "undelete"); step.Command != tc.undelete {
					t.Errorf("undelete step\n%s\nwant\n%s", step.Command, tc.undelete)
				}
			}
		})
	}
}

// TestPostmortem_KeySettingsAreVersionViolations: a key whose max_versions
// is below retention is reportable in the postmortem's Compliance Notes
// as "results in key version violations", with the finding as evidence.
func TestPostmortem_KeySettingsAreVersionViolations(t *testing.T) {
	zero := collectors.Duration(0)
	mount := 0
	s := healthySnapshot(t, func(s *collectors.Snapshot) {
		for i := range s.Vault.Tenants {
			tn := &s.Vault.Tenants[i]
			tn.DeleteVersionAfter, tn.MountMaxVersions, tn.MountDeleteVersionAfter = &zero, &mount, &zero
		}
		s.Vault.Tenants[0].MaxVersions = 2
	})
	pm := MustDefault().Postmortem(nil, s, testNow, TimelineOptions{})
	id := s.Vault.Tenants[0].ID
	for _, tn := range pm.Compliance.Tenants {
		if tn.Tenant != id {
			continue
		}
		for _, c := range tn.Conditions {
			if c.Condition == CondVersions && (c.State != CondHolds || !strings.Contains(strings.Join(c.Evidence, " "), ComplianceMaxVersionsBelowRetention)) {
				t.Errorf("version violation %s %v, want holds with the %s finding", c.State, c.Evidence, ComplianceMaxVersionsBelowRetention)
			}
		}
		return
	}
	t.Fatalf("tenant %s not in the postmortem's compliance notes: %+v", id, pm.Compliance.Tenants)
}
