/*
 * bcryptprimitives.dll for Wine before 8.13 (Debian 12 ships 8.0), which lacks it.
 *
 * Rust's std (1.78 and later) imports ProcessPrng from bcryptprimitives.dll to seed
 * HashMap keys, so every Rust test binary fails to load under such a Wine ("Library
 * bcryptprimitives.dll not found", exit status 53). ProcessPrng fills a buffer with
 * random bytes and always succeeds; this one asks RtlGenRandom (advapi32's
 * SystemFunction036), which Wine has. Built and installed into the test prefix by
 * scripts/wine/setup.sh; only for running tests under Wine, never shipped.
 */
#include <windows.h>

/* RtlGenRandom: at most ULONG bytes per call. */
BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len)
{
    while (len > 0) {
        ULONG chunk = len > 0x40000000 ? 0x40000000 : (ULONG)len;
        if (!SystemFunction036(data, chunk))
            return FALSE;
        data += chunk;
        len -= chunk;
    }
    return TRUE;
}
