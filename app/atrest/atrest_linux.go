package atrest

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

const advice = "Encrypt the disk that holds Folio's data folder with LUKS: most Linux installers offer " +
	"\"Encrypt the new installation\" (or \"Use LUKS encryption\"). For a disk already in use, move the data " +
	"folder to a LUKS volume made with \"cryptsetup luksFormat\" (see your distribution's guide), and start " +
	"Folio with --data naming the folder there."

func check(folder string) Finding {
	return checkLinux("/", folder)
}

// mount is one line of /proc/self/mountinfo.
type mount struct {
	device     string // major:minor
	mountPoint string
	fsType     string
	source     string
}

// checkLinux checks folder against the mount table and block devices under
// root ("/", or a test's tree shaped like it).
func checkLinux(root, folder string) Finding {
	path, err := filepath.EvalSymlinks(folder)
	if err != nil {
		path = folder
	}
	path, _ = filepath.Abs(path)
	m, err := mountOf(root, path)
	if err != nil {
		return Finding{State: Unknown, How: fmt.Sprintf("the mount table could not be read: %v", err)}
	}
	volume := m.mountPoint
	if strings.HasPrefix(m.source, "/dev/") {
		volume += " on " + m.source
	}
	switch {
	case m.fsType == "ecryptfs":
		return Finding{State: Encrypted, Volume: volume, How: "eCryptfs"}
	case strings.HasPrefix(m.fsType, "fuse.") && encryptingFUSE[strings.TrimPrefix(m.fsType, "fuse.")]:
		return Finding{State: Encrypted, Volume: volume, How: strings.TrimPrefix(m.fsType, "fuse.")}
	case m.fsType == "tmpfs" || m.fsType == "ramfs":
		return Finding{State: NotEncrypted, Volume: volume, How: "the folder is in memory, not on a disk: it is lost when the PC stops",
			Advice: "Choose a data folder on a disk (an encrypted one)."}
	case networkFS[m.fsType] || strings.HasPrefix(m.fsType, "fuse."):
		return Finding{State: Unknown, Volume: volume, How: fmt.Sprintf("a %s share: the disks of the machine that serves it decide", m.fsType)}
	case m.fsType == "overlay":
		return Finding{State: Unknown, Volume: volume, How: "Folio runs in a container: the disk of the machine under it decides"}
	}
	dev, err := blockDevice(root, m)
	if err != nil {
		return Finding{State: Unknown, Volume: volume, How: fmt.Sprintf("its disk could not be told (%v)", err)}
	}
	if how := cryptBelow(root, dev, 0); how != "" {
		return Finding{State: Encrypted, Volume: volume, How: how}
	}
	return Finding{State: NotEncrypted, Volume: volume, How: "the disk it is on is not encrypted by the system"}
}

// encryptingFUSE are FUSE file systems that encrypt what they store.
var encryptingFUSE = map[string]bool{"gocryptfs": true, "encfs": true, "cryfs": true, "securefs": true}

// networkFS are file systems served by another machine.
var networkFS = map[string]bool{"nfs": true, "nfs4": true, "cifs": true, "smb3": true, "9p": true, "virtiofs": true}

// mountOf finds the mount folder is under: the longest mount point that
// holds it (the last such line: a later mount hides an earlier one).
func mountOf(root, path string) (mount, error) {
	f, err := os.Open(filepath.Join(root, "proc/self/mountinfo"))
	if err != nil {
		return mount{}, err
	}
	defer f.Close()
	var best mount
	found := false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		m, ok := parseMountInfo(sc.Text())
		if !ok || !under(path, m.mountPoint) {
			continue
		}
		if !found || len(m.mountPoint) >= len(best.mountPoint) {
			best, found = m, true
		}
	}
	if err := sc.Err(); err != nil {
		return mount{}, err
	}
	if !found {
		return mount{}, fmt.Errorf("no mount holds %s", path)
	}
	return best, nil
}

// parseMountInfo reads "36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3
// /dev/root rw" (proc(5)): optional fields run up to the "-".
func parseMountInfo(line string) (mount, bool) {
	fields := strings.Fields(line)
	dash := -1
	for i, f := range fields {
		if f == "-" {
			dash = i
			break
		}
	}
	if dash < 6 || len(fields) < dash+3 {
		return mount{}, false
	}
	return mount{device: fields[2], mountPoint: unescape(fields[4]), fsType: fields[dash+1], source: unescape(fields[dash+2])}, true
}

// unescape undoes mountinfo's octal escapes of space, tab, newline and \.
func unescape(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) {
			var c int
			if _, err := fmt.Sscanf(s[i+1:i+4], "%03o", &c); err == nil {
				b.WriteByte(byte(c))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func under(path, mountPoint string) bool {
	return mountPoint == "/" || path == mountPoint || strings.HasPrefix(path, strings.TrimSuffix(mountPoint, "/")+"/")
}

// blockDevice is the device's folder in sysfs (sys/dev/block/MAJ:MIN, or
// for a file system with no device number of its own, such as a btrfs
// subvolume, the one its source names).
func blockDevice(root string, m mount) (string, error) {
	if !strings.HasPrefix(m.device, "0:") {
		dir := filepath.Join(root, "sys/dev/block", m.device)
		if _, err := os.Stat(dir); err == nil {
			return dir, nil
		}
	}
	if !strings.HasPrefix(m.source, "/dev/") {
		return "", fmt.Errorf("%s is not a disk", m.source)
	}
	// /dev/mapper/NAME is a link to ../dm-N; /dev/sda1 is itself.
	name := filepath.Base(m.source)
	if target, err := os.Readlink(filepath.Join(root, m.source)); err == nil {
		name = filepath.Base(target)
	}
	dir := filepath.Join(root, "sys/class/block", name)
	if _, err := os.Stat(dir); err != nil {
		return "", fmt.Errorf("%s has no block device in sysfs", m.source)
	}
	return dir, nil
}

// cryptBelow says what encrypts dev or a device under it (LVM or RAID on
// LUKS stacks device-mapper devices: each lists the ones under it in
// slaves/); "" if none does.
func cryptBelow(root, dev string, depth int) string {
	if depth > 8 {
		return ""
	}
	if uuid, err := os.ReadFile(filepath.Join(dev, "dm/uuid")); err == nil {
		// dm-crypt names its targets CRYPT-<type>-...: LUKS1, LUKS2, PLAIN.
		if u := strings.TrimSpace(string(uuid)); strings.HasPrefix(u, "CRYPT-") {
			kind := strings.SplitN(strings.TrimPrefix(u, "CRYPT-"), "-", 2)[0]
			return fmt.Sprintf("%s (dm-crypt)", kind)
		}
	}
	below, _ := os.ReadDir(filepath.Join(dev, "slaves"))
	for _, b := range below {
		// slaves/NAME is a link into sys/devices; sys/class/block/NAME is too.
		if how := cryptBelow(root, filepath.Join(root, "sys/class/block", b.Name()), depth+1); how != "" {
			return how
		}
	}
	return ""
}
