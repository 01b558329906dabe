package discovery

import (
	"strings"
	"testing"

	"golang.org/x/sys/windows"
)

// TestCheckSecurityOnSDDLInMemory checks the decision on security
// descriptors built in memory from SDDL, among them those of Windows' own
// folders, which cannot be made under Wine: Wine keeps no DACL of its own
// for a file, it maps DACLs to and from the Unix mode bits.
func TestCheckSecurityOnSDDLInMemory(t *testing.T) {
	trusted, err := trustedSIDs()
	if err != nil {
		t.Fatal(err)
	}
	user := trusted[0].String()
	const ti = "S-1-5-80-956008885-3418522649-1831038044-1851690102-2212336440"
	const (
		// C:\Program Files on Windows 11.
		programFiles = "O:" + ti + "G:" + ti + "D:P(A;;FA;;;" + ti + ")(A;CIIO;GA;;;" + ti + ")(A;;0x1301bf;;;SY)(A;OICIIO;GA;;;SY)(A;;0x1301bf;;;BA)(A;OICIIO;GA;;;BA)(A;;0x1200a9;;;BU)(A;OICIIO;GXGR;;;BU)(A;OICIIO;GA;;;CO)(A;;0x1200a9;;;AC)(A;OICIIO;GXGR;;;AC)"
		// C:\: Authenticated Users may create folders in it.
		volumeRoot = "O:" + ti + "G:" + ti + "D:(A;OICI;FA;;;BA)(A;OICI;FA;;;SY)(A;OICI;0x1200a9;;;BU)(A;OICIIO;SDGXGWGR;;;AU)(A;;0x4;;;AU)"
		// C:\Users\Public: interactive users may change what is in it.
		usersPublic = "O:SYG:SYD:P(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)(A;OICI;0x1301bf;;;S-1-5-4)(A;OICI;0x1301bf;;;S-1-5-6)(A;OICI;0x1301bf;;;S-1-5-3)(A;OICIIO;GA;;;CO)"
	)
	userOnly := "O:" + user + "D:P(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)(A;OICI;FA;;;" + user + ")"
	tests := []struct {
		name, sddl string
		rights     []right
		reason     string // a part of it; "" for accepted
	}{
		{"the user's own file", userOnly, fileRights, ""},
		{"the user's own folder holding the plugin", userOnly, holderRights, ""},
		{`C:\Program Files holding the plugin`, programFiles, holderRights, ""},
		{`C:\Program Files above the plugin`, programFiles, ancestorRights, ""},
		{`C:\ above the plugin`, volumeRoot, ancestorRights, ""},
		{`C:\ holding the plugin`, volumeRoot, holderRights, `writable by NT AUTHORITY\Authenticated Users (S-1-5-11) (its DACL grants FILE_ADD_SUBDIRECTORY)`},
		{`C:\Users\Public holding the plugin`, usersPublic, holderRights, "(S-1-5-4)"},
		{`C:\Users\Public above the plugin`, usersPublic, ancestorRights, "(S-1-5-4) (its DACL grants DELETE)"},
		{"a file Everyone may write", "O:BAD:(A;;FA;;;SY)(A;;FW;;;WD)", fileRights, "(S-1-1-0) (its DACL grants FILE_WRITE_DATA, FILE_APPEND_DATA"},
		{"a file Users may write through a generic right", "O:BAD:(A;;FA;;;SY)(A;;GW;;;BU)", fileRights, "(S-1-5-32-545) (its DACL grants GENERIC_WRITE)"},
		{"a file Users may take ownership of", "O:BAD:(A;;FA;;;SY)(A;;WO;;;BU)", fileRights, "grants WRITE_OWNER"},
		{"a file Users may re-permission", "O:BAD:(A;;FA;;;SY)(A;;WD;;;BU)", fileRights, "grants WRITE_DAC"},
		{"a file Users may delete", "O:BAD:(A;;FA;;;SY)(A;;SD;;;BU)", fileRights, "grants DELETE"},
		{"a file Users may only change the attributes of", "O:BAD:(A;;FA;;;SY)(A;;0x120189;;;BU)(A;;0x110;;;BU)", fileRights, ""},
		{"a folder Everyone may add files to", "O:BAD:(A;;FA;;;SY)(A;;0x2;;;WD)", holderRights, "grants FILE_ADD_FILE"},
		{"a folder above where Users may delete any child", "O:BAD:(A;;FA;;;SY)(A;;0x40;;;BU)", ancestorRights, "grants FILE_DELETE_CHILD"},
		{"a folder above where Users have full control", "O:BAD:(A;;FA;;;SY)(A;;FA;;;BU)", ancestorRights, "(S-1-5-32-545)"},
		{"inherit-only write for Everyone", "O:BAD:(A;;FA;;;SY)(A;OICIIO;GA;;;WD)", holderRights, ""},
		{"a denied Everyone before its allowed write", "O:BAD:(D;;FA;;;WD)(A;;FA;;;WD)", fileRights, "(S-1-1-0)"},
		{"another user as owner", "O:S-1-5-21-1-2-3-1002D:P(A;;FA;;;SY)", fileRights, "is owned by S-1-5-21-1-2-3-1002, not by you"},
		{"no DACL", "O:BA", fileRights, "NULL DACL"},
		{"an empty DACL", "O:BAD:", fileRights, ""},
	}
	for _, tt := range tests {
		sd, err := windows.SecurityDescriptorFromString(tt.sddl)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		got := checkSecurity("the object", sd, tt.rights, trusted)
		if (tt.reason == "") != (got == "") || !strings.Contains(got, tt.reason) {
			t.Errorf("%s: checkSecurity(%s) = %q, want %q", tt.name, tt.sddl, got, tt.reason)
		}
	}

	// A NULL DACL is built rather than parsed: Wine reads SDDL's
	// "D:NO_ACCESS_CONTROL" as an empty DACL.
	sd, err := windows.NewSecurityDescriptor()
	if err != nil {
		t.Fatal(err)
	}
	if err := sd.SetOwner(trusted[0], false); err != nil {
		t.Fatal(err)
	}
	if err := sd.SetDACL(nil, true, false); err != nil {
		t.Fatal(err)
	}
	if got := checkSecurity("the object", sd, fileRights, trusted); !strings.Contains(got, "NULL DACL") {
		t.Errorf("a NULL DACL: checkSecurity = %q, want a refusal for the NULL DACL", got)
	}
}
