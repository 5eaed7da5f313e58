/**
 * Calls whose effect reaches every process on the machine, not only the sandbox's: rebooting,
 * loading a new kernel, loading or removing kernel modules, setting the host's clock. A sandbox
 * is a process world of its own, so they fail with EPERM, as in a container without
 * CAP_SYS_BOOT, CAP_SYS_MODULE or CAP_SYS_TIME.
 * @module
 */

import { Errno } from "../abi/errno.ts";
import { fails, type Handler } from "./context.ts";

/** reboot(2), kexec_load(2), init_module(2), settimeofday(2) and the like: EPERM. */
export const denied: Handler = () => fails(Errno.EPERM);
