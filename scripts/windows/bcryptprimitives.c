/*
 * A stand-in for Windows' bcryptprimitives.dll, which stock Wine 8 lacks:
 * every Go >= 1.22 program loads ProcessPrng from it at start and dies
 * without it. Used only to run the Windows tests under Wine
 * (scripts/test-windows.sh builds it at run time; never committed built).
 */
#include <windows.h>
#include <bcrypt.h>

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len)
{
	while (len > 0) {
		ULONG n = len > (1UL << 30) ? (1UL << 30) : (ULONG)len;
		if (!BCRYPT_SUCCESS(BCryptGenRandom(NULL, data, n, BCRYPT_USE_SYSTEM_PREFERRED_RNG)))
			return FALSE;
		data += n;
		len -= n;
	}
	return TRUE;
}

BOOL WINAPI DllMain(HINSTANCE inst, DWORD reason, LPVOID reserved)
{
	(void)inst;
	(void)reason;
	(void)reserved;
	return TRUE;
}
