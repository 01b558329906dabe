package discovery

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"unsafe"

	"golang.org/x/sys/windows"
)

// Access rights of directories that x/sys/windows does not name. The first
// two share their bits with FILE_WRITE_DATA and FILE_APPEND_DATA, which
// they mean on a directory.
const (
	fileAddFile         = 0x0002
	fileAddSubdirectory = 0x0004
	fileDeleteChild     = 0x0040
)

// volumeNameDOS asks GetFinalPathNameByHandle for a path with a drive
// letter (or a UNC path), not a volume GUID.
const volumeNameDOS = 0

// ACE types that grant access, beyond ACCESS_ALLOWED_ACE_TYPE, from winnt.h.
const (
	accessAllowedCompoundACEType       = 4
	accessAllowedObjectACEType         = 5
	accessAllowedCallbackACEType       = 9
	accessAllowedCallbackObjectACEType = 0xB
)

// A right is an access right that would let its holder change a plugin or
// put another program in its place, named for the reason it gives.
type right struct {
	mask windows.ACCESS_MASK
	name string
}

// The rights that make an object unsafe, by what the object is to the
// plugin. Rights that cannot change the program (reading, executing,
// writing attributes or extended attributes) are not among them.
var (
	// fileRights are those on the plugin file (or a link in its place).
	fileRights = []right{
		{windows.FILE_WRITE_DATA, "FILE_WRITE_DATA"},
		{windows.FILE_APPEND_DATA, "FILE_APPEND_DATA"},
		{windows.DELETE, "DELETE"},
		{windows.WRITE_DAC, "WRITE_DAC"},
		{windows.WRITE_OWNER, "WRITE_OWNER"},
		{windows.GENERIC_WRITE, "GENERIC_WRITE"},
		{windows.GENERIC_ALL, "GENERIC_ALL"},
	}
	// holderRights are those on the directory that holds the plugin: who
	// may add a file there may add a plugin, or a DLL that the plugin,
	// which loads DLLs from its own directory first, would load.
	holderRights = []right{
		{fileAddFile, "FILE_ADD_FILE"},
		{fileAddSubdirectory, "FILE_ADD_SUBDIRECTORY"},
		{fileDeleteChild, "FILE_DELETE_CHILD"},
		{windows.DELETE, "DELETE"},
		{windows.WRITE_DAC, "WRITE_DAC"},
		{windows.WRITE_OWNER, "WRITE_OWNER"},
		{windows.GENERIC_WRITE, "GENERIC_WRITE"},
		{windows.GENERIC_ALL, "GENERIC_ALL"},
	}
	// ancestorRights are those on the directories above it. Unlike on
	// Unix, adding a name to a directory does not allow renaming or
	// deleting the names already there (that takes DELETE on the entry or
	// FILE_DELETE_CHILD on the directory), so creating files and folders
	// is harmless there: every volume root lets Authenticated Users create
	// folders.
	ancestorRights = []right{
		{fileDeleteChild, "FILE_DELETE_CHILD"},
		{windows.DELETE, "DELETE"},
		{windows.WRITE_DAC, "WRITE_DAC"},
		{windows.WRITE_OWNER, "WRITE_OWNER"},
		{windows.GENERIC_ALL, "GENERIC_ALL"},
	}
)

// trustedNames lists, for reasons, the principals other than the user
// running procman that may change a plugin.
const trustedNames = "you, SYSTEM, Administrators or TrustedInstaller"

// trustedSIDs returns the principals that may change a plugin: the user
// running procman and the system's own.
func trustedSIDs() ([]*windows.SID, error) {
	user, err := windows.GetCurrentProcessToken().GetTokenUser()
	if err != nil {
		return nil, fmt.Errorf("reading the user running procman: %w", err)
	}
	trusted := []*windows.SID{user.User.Sid}
	for _, s := range []string{
		"S-1-5-18",     // SYSTEM
		"S-1-5-32-544", // BUILTIN\Administrators
		"S-1-5-80-956008885-3418522649-1831038044-1851690102-2212336440", // NT SERVICE\TrustedInstaller
		// An ACE on an object for CREATOR OWNER (in effect only when
		// inherited, as its creator's) grants nobody anything; one for
		// OWNER RIGHTS grants the owner, which is checked as such.
		"S-1-3-0", // CREATOR OWNER
		"S-1-3-4", // OWNER RIGHTS
	} {
		sid, err := windows.StringToSid(s)
		if err != nil {
			return nil, err
		}
		trusted = append(trusted, sid)
	}
	return trusted, nil
}

// checkAccess returns why the plugin file, opened from path, could be
// changed, or replaced by another program, by someone other than the
// principals of trustedSIDs, or "". It reads the security descriptors of
// the file through its handle, of every directory from the volume root down
// to the one that holds it, for both path and the path the file has once
// every link is followed, and of path itself when it is a link.
func checkAccess(path string, file *os.File) string {
	trusted, err := trustedSIDs()
	if err != nil {
		return "cannot be checked: " + err.Error()
	}
	handle := windows.Handle(file.Fd())
	final, err := finalPath(handle)
	if err != nil {
		return "cannot be read: " + cause(err)
	}
	linked := !strings.EqualFold(final, filepath.Clean(path))
	what := "file"
	if linked {
		what = fmt.Sprintf("file %q", final)
	}
	sd, err := windows.GetSecurityInfo(handle, windows.SE_FILE_OBJECT, windows.OWNER_SECURITY_INFORMATION|windows.DACL_SECURITY_INFORMATION)
	if err != nil {
		return fmt.Sprintf("the security descriptor of %s cannot be read: %v", what, err)
	}
	if problem := checkSecurity(what, sd, fileRights, trusted); problem != "" {
		return problem
	}
	if problem := checkDirs(filepath.Clean(path), trusted); problem != "" {
		return problem
	}
	if !linked {
		return ""
	}
	// path is a link or goes through one: whoever may change the link
	// (checked by itself, not its target) may point it elsewhere.
	if problem := checkEntry(fmt.Sprintf("%q", path), path, fileRights, trusted); problem != "" {
		return problem
	}
	return checkDirs(final, trusted)
}

// checkDirs checks the directories above path, from its volume root down.
func checkDirs(path string, trusted []*windows.SID) string {
	var dirs []string
	for dir := filepath.Dir(path); ; dir = filepath.Dir(dir) {
		dirs = append(dirs, dir)
		if filepath.Dir(dir) == dir {
			break
		}
	}
	for i := len(dirs) - 1; i >= 0; i-- {
		rights := ancestorRights
		if i == 0 {
			rights = holderRights
		}
		if problem := checkEntry(fmt.Sprintf("directory %q", dirs[i]), dirs[i], rights, trusted); problem != "" {
			return problem
		}
	}
	return ""
}

// checkEntry checks the file or directory at path, described as what,
// with checkSecurity. A link is checked itself, not its target.
func checkEntry(what, path string, rights []right, trusted []*windows.SID) string {
	name, err := windows.UTF16PtrFromString(path)
	if err != nil {
		return fmt.Sprintf("%s cannot be opened: %v", what, err)
	}
	handle, err := windows.CreateFile(name, windows.READ_CONTROL,
		windows.FILE_SHARE_READ|windows.FILE_SHARE_WRITE|windows.FILE_SHARE_DELETE, nil, windows.OPEN_EXISTING,
		windows.FILE_FLAG_BACKUP_SEMANTICS|windows.FILE_FLAG_OPEN_REPARSE_POINT, 0)
	if err != nil {
		return fmt.Sprintf("%s cannot be opened to read its security descriptor: %v", what, err)
	}
	defer windows.CloseHandle(handle)
	sd, err := windows.GetSecurityInfo(handle, windows.SE_FILE_OBJECT, windows.OWNER_SECURITY_INFORMATION|windows.DACL_SECURITY_INFORMATION)
	if err != nil {
		return fmt.Sprintf("the security descriptor of %s cannot be read: %v", what, err)
	}
	return checkSecurity(what, sd, rights, trusted)
}

// finalPath returns the path of the open file with every link followed,
// in the form filepath understands (C:\... or \\server\share\...).
func finalPath(handle windows.Handle) (string, error) {
	buf := make([]uint16, windows.MAX_PATH)
	for {
		n, err := windows.GetFinalPathNameByHandle(handle, &buf[0], uint32(len(buf)), volumeNameDOS)
		if err != nil {
			return "", &os.PathError{Op: "GetFinalPathNameByHandle", Err: err}
		}
		if int(n) < len(buf) {
			path := windows.UTF16ToString(buf[:n])
			if rest, ok := strings.CutPrefix(path, `\\?\UNC\`); ok {
				return `\\` + rest, nil
			}
			return strings.TrimPrefix(path, `\\?\`), nil
		}
		buf = make([]uint16, n)
	}
}

// checkSecurity returns why the security descriptor sd, of the object
// described as what, lets a principal not in trusted change the object
// through one of rights, or "". The object's owner must be trusted, since
// an owner may always rewrite the DACL, and so must everyone an ACE of the
// DACL grants one of rights. Inherit-only ACEs are skipped: they apply to
// the object's future children, not to it.
//
// Deny ACEs are not weighed against allow ACEs: an allow ACE granting one of
// rights to another principal refuses the object even when a deny ACE would
// take the right back from some or all of the members. That can only
// refuse too much, never too little, and a DACL that needs deny ACEs to be
// safe is unusual enough to be worth fixing.
func checkSecurity(what string, sd *windows.SECURITY_DESCRIPTOR, rights []right, trusted []*windows.SID) string {
	owner, _, err := sd.Owner()
	if err != nil || owner == nil {
		return fmt.Sprintf("the owner of %s cannot be read", what)
	}
	if !isTrusted(owner, trusted) {
		return fmt.Sprintf("%s is owned by %s, not by %s", what, principal(owner), trustedNames)
	}
	dacl, _, err := sd.DACL()
	if errors.Is(err, windows.ERROR_OBJECT_NOT_FOUND) || (err == nil && dacl == nil) {
		return fmt.Sprintf("%s has no DACL (a NULL DACL): everyone has full access to it", what)
	}
	if err != nil {
		return fmt.Sprintf("the DACL of %s cannot be read: %v", what, err)
	}
	for i := range uint32(dacl.AceCount) {
		var ace *windows.ACCESS_ALLOWED_ACE
		if err := windows.GetAce(dacl, i, &ace); err != nil {
			return fmt.Sprintf("the DACL of %s cannot be read: %v", what, err)
		}
		if ace.Header.AceFlags&windows.INHERIT_ONLY_ACE != 0 {
			continue
		}
		switch ace.Header.AceType {
		case windows.ACCESS_ALLOWED_ACE_TYPE, accessAllowedCallbackACEType:
			// The SID follows the mask in both.
		case accessAllowedCompoundACEType, accessAllowedObjectACEType, accessAllowedCallbackObjectACEType:
			return fmt.Sprintf("the DACL of %s has an access-allowed ACE of type %d, which procman does not read", what, ace.Header.AceType)
		default:
			continue // deny, audit and label ACEs grant nothing
		}
		granted := grantedRights(ace.Mask, rights)
		if granted == "" {
			continue
		}
		sid := (*windows.SID)(unsafe.Pointer(&ace.SidStart))
		if !isTrusted(sid, trusted) {
			return fmt.Sprintf("%s is writable by %s (its DACL grants %s), not only by %s", what, principal(sid), granted, trustedNames)
		}
	}
	return ""
}

// grantedRights names the rights of rights that mask grants, or "".
func grantedRights(mask windows.ACCESS_MASK, rights []right) string {
	var names []string
	for _, r := range rights {
		if mask&r.mask != 0 {
			names = append(names, r.name)
		}
	}
	return strings.Join(names, ", ")
}

func isTrusted(sid *windows.SID, trusted []*windows.SID) bool {
	for _, t := range trusted {
		if sid.Equals(t) {
			return true
		}
	}
	return false
}

// principal names sid for a reason: its account name, when it has one,
// and its string form.
func principal(sid *windows.SID) string {
	account, domain, _, err := sid.LookupAccount("")
	switch {
	case err != nil || account == "":
		return sid.String()
	case domain != "":
		return fmt.Sprintf(`%s\%s (%s)`, domain, account, sid)
	}
	return fmt.Sprintf("%s (%s)", account, sid)
}
