package atrest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// tree makes a root shaped like / with the files given (path → content; a
// content starting with "->" makes a symbolic link to the rest).
func tree(t *testing.T, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	for path, content := range files {
		full := filepath.Join(root, path)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		var err error
		if target, ok := strings.CutPrefix(content, "->"); ok {
			err = os.Symlink(target, full)
		} else if strings.HasSuffix(path, "/") {
			err = os.MkdirAll(full, 0o755)
		} else {
			err = os.WriteFile(full, []byte(content), 0o644)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	return root
}

// The mount table of a laptop installed with "encrypt the new installation":
// / on LVM on LUKS, /boot plain, /home/shared on NFS, a tmpfs, a btrfs
// subvolume on a plain disk, and an eCryptfs private folder.
const mountinfo = `22 1 253:1 / / rw,relatime shared:1 - ext4 /dev/mapper/vg-root rw
23 22 8:1 / /boot rw,relatime shared:2 - ext4 /dev/sda1 rw
24 22 0:45 / /home/shared rw,relatime shared:3 - nfs4 nas:/export rw
25 22 0:26 / /tmp rw,nosuid shared:4 - tmpfs tmpfs rw
26 22 0:50 /@data /srv/folio\040data rw,relatime shared:5 - btrfs /dev/sdb2 rw
27 22 0:51 / /home/ana/Private rw,relatime - ecryptfs /home/ana/.Private rw
28 22 0:52 / /mnt/vault rw,relatime - fuse.gocryptfs /home/ana/.vault rw
`

func TestCheckLinux(t *testing.T) {
	root := tree(t, map[string]string{
		"proc/self/mountinfo":             mountinfo,
		"sys/dev/block/253:1/dm/uuid":     "LVM-abc\n",
		"sys/dev/block/253:1/slaves/dm-0": "->../../dm-0",
		"sys/class/block/dm-0/dm/uuid":    "CRYPT-LUKS2-0f1e2d3c-luks-0f1e\n",
		"sys/class/block/dm-0/slaves/":    "",
		"sys/dev/block/8:1/":              "",
		"sys/class/block/sdb2/":           "",
		"dev/sdb2":                        "",
	})
	for _, tc := range []struct {
		folder, state, how string
	}{
		{"/home/ana/Folio", Encrypted, "LUKS2 (dm-crypt)"},
		{"/boot/folio", NotEncrypted, "not encrypted"},
		{"/home/shared/folio", Unknown, "nfs4 share"},
		{"/tmp/folio", NotEncrypted, "in memory"},
		{"/srv/folio data/clinic", NotEncrypted, "not encrypted"},
		{"/home/ana/Private/folio", Encrypted, "eCryptfs"},
		{"/mnt/vault/folio", Encrypted, "gocryptfs"},
	} {
		t.Run(tc.folder, func(t *testing.T) {
			f := checkLinux(root, tc.folder)
			if f.State != tc.state || !strings.Contains(f.How, tc.how) {
				t.Errorf("%s: %+v, want %s (%s)", tc.folder, f, tc.state, tc.how)
			}
		})
	}
}

func TestCheckLinuxUnreadable(t *testing.T) {
	f := checkLinux(t.TempDir(), "/var/lib/folio")
	if f.State != Unknown || !strings.Contains(f.How, "mount table could not be read") {
		t.Errorf("no mount table: %+v", f)
	}
}

// TestCheckHere runs the real check on this machine's test folder: whatever
// the disk, the answer is one of the three, says how, and advises when the
// folder is not known to be encrypted.
func TestCheckHere(t *testing.T) {
	f := Check(t.TempDir())
	t.Logf("this machine: %s", f.Summary())
	if f.State != Encrypted && f.State != NotEncrypted && f.State != Unknown || f.How == "" {
		t.Fatalf("finding %+v", f)
	}
	if (f.State == Encrypted) == (f.Advice != "") {
		t.Errorf("advice %q for a folder %s", f.Advice, f.State)
	}
	if strings.Contains(f.How, "could not be read") {
		t.Errorf("the real mount table: %s", f.How)
	}
}
