/* qemu-user 7.2 and the program counter of a SIGBUS raised inside an s390x `mvc` (see
 * README.md here).
 *
 * A truncated memfd makes the second page of a mapping fault. The same two-instruction
 * sequence reads it once with `lg` and once with `mvc`; the SIGBUS handler prints the
 * PSW address the signal frame holds next to the address of the faulting instruction.
 * A kernel reports the faulting instruction in both cases (an access exception
 * nullifies `mvc`); qemu-user reports it for `lg` (translated inline) but not for
 * `mvc` (emulated in a helper function, whose host PC qemu cannot map back to a guest
 * instruction). Build: s390x-linux-gnu-gcc -static -O2 -o repro s390x-mvc-fault-pc.c
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

static sigjmp_buf back;
static volatile unsigned long psw_addr, at;

static void on_bus(int sig, siginfo_t *info, void *ucv)
{
    (void)sig;
    (void)info;
    psw_addr = ((ucontext_t *)ucv)->uc_mcontext.psw.addr;
    siglongjmp(back, 1);
}

int main(void)
{
    long page = sysconf(_SC_PAGESIZE);
    int fd = memfd_create("repro", 0);
    if (fd < 0 || ftruncate(fd, 2 * page) != 0)
        return 2;
    char *p = mmap(NULL, 2 * page, PROT_READ, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED || ftruncate(fd, page) != 0)
        return 2;
    struct sigaction sa = {0};
    sa.sa_sigaction = on_bus;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGBUS, &sa, NULL);
    char *src = p + page;
    char buf[16];
    int bad = 0;

    if (!sigsetjmp(back, 1)) {
        __asm__ volatile("larl %%r1, 1f\n"
                         "stg %%r1, %0\n"
                         "1: lg %%r0, 0(%1)\n"
                         : "=m"(at) : "a"(src) : "r0", "r1", "memory");
    }
    printf("lg : fault at %#lx, psw.addr %#lx: %s\n", at, psw_addr,
           at == psw_addr ? "same" : "DIFFERENT");
    bad |= at != psw_addr;

    if (!sigsetjmp(back, 1)) {
        __asm__ volatile("larl %%r1, 1f\n"
                         "stg %%r1, %0\n"
                         "1: mvc 0(8,%1), 0(%2)\n"
                         : "=m"(at) : "a"(buf), "a"(src) : "r1", "memory");
    }
    printf("mvc: fault at %#lx, psw.addr %#lx: %s\n", at, psw_addr,
           at == psw_addr ? "same" : "DIFFERENT");
    bad |= at != psw_addr;
    return bad;
}
