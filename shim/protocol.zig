//! Fixed-size records exchanged between the tracer thread and the TypeScript policy.
//! The layout is mirrored by `src/native/protocol.ts`; both sides assert the size.

const std = @import("std");

/// One event (tracer -> policy) or one reply (policy -> tracer). 208 bytes, no padding.
pub const Message = extern struct {
    kind: u32,
    /// Native thread id the message is about.
    tid: i32,
    aux: i32,
    aux2: i32,
    value: i64,
    /// Events: the virtual clock when the tracer saw it, before it resumed anyone (0 in real
    /// time). Informational events are stamped so, not when the policy gets to them.
    time: u64,
    args: [6]u64,
    /// siginfo_t for signal events and siginfo replies; free-form text for errors.
    payload: [128]u8,

    pub const zero: Message = std.mem.zeroes(Message);
};

comptime {
    std.debug.assert(@sizeOf(Message) == 208);
}

/// Event kinds, tracer -> policy.
pub const Event = struct {
    /// seccomp stop at syscall entry: value = syscall number, args = the six arguments.
    /// For an observed syscall (see seccomp.zig) aux2 = `observed`, payload = the copied memory,
    /// aux = bytes copied (negative errno when the pointer was bad), and the tracer has resumed it.
    pub const syscall: u32 = 1;
    /// syscall-exit stop (asked for with `flag_exit_stop`): value = return value, aux = number.
    pub const syscall_exit: u32 = 2;
    /// PTRACE_EVENT_FORK/VFORK/CLONE in the creator: aux = the child's native tid, aux2 = its id
    /// in its host's pid namespace (the virtual id), value = the clone flags the program asked
    /// for, its exit signal in the low byte (fork and vfork as clone flags, clone3's read from
    /// its clone_args). Informational: the tracer resumes the creator itself.
    pub const fork: u32 = 3;
    pub const vfork: u32 = 4;
    pub const clone: u32 = 5;
    /// PTRACE_EVENT_EXEC: tid = the thread group id after exec, aux = former tid, payload = the
    /// program's path (/proc/<tid>/exe, read in this stop), args[0] = its length (longer than
    /// the payload, or a negative errno: read it elsewhere). Informational: the tracer resumes
    /// the thread itself, except at the first exec of a program spawned with
    /// `flag_hold_at_exec`: then aux2 has `held` and it waits for a reply. Seeded, aux2 has
    /// `random` too, args[1] is AT_RANDOM's address (0: none), and the thread waits for a reply
    /// (the policy writes the 16 bytes first).
    pub const exec: u32 = 6;
    /// The thread is gone (its exit collected by the tracer): value = wait status. A process's
    /// leader goes last; its parent may reap it from now on.
    pub const exited: u32 = 8;
    /// Signal-delivery stop: aux = signal number, payload = siginfo; value = rax and args[0] =
    /// orig_rax (a syscall the signal interrupted, and what it returns so far). Informational
    /// (aux2 = `observed`: the tracer delivered it) unless it may need the policy: a SIGTRAP,
    /// a thread a debugger holds, or a call the signal ended with EINTR (an ignored signal must
    /// not end a wait).
    pub const signal: u32 = 9;
    /// The thread entered a group stop (job control): aux = stop signal. Informational: the
    /// tracer restarts it with PTRACE_LISTEN, so it stays stopped until a SIGCONT.
    pub const group_stop: u32 = 10;
    /// Answer to a `read_registers` reply: the registers are in the policy's buffer. The thread
    /// is still stopped.
    pub const registers: u32 = 11;
    /// A spawn request's init forked its process: tid = native pid, aux = request id, aux2 = its
    /// virtual pid. If the process exits before its first exec event, exec failed and the exit
    /// code is the errno.
    pub const spawned: u32 = 12;
    /// A spawn request failed before a process existed: aux = request id, value = -errno;
    /// payload = what failed (making the host's namespaces, for one), or empty.
    pub const spawn_failed: u32 = 13;
    /// The controller rejected a reply (a policy bug): payload = message.
    pub const protocol_error: u32 = 14;
    /// A thread in a group stop was woken by SIGCONT. Informational.
    pub const continued: u32 = 15;
    /// Answer to `open_host`: aux2 = the host, value = 0 or -errno, payload = what failed.
    pub const host_opened: u32 = 16;
    /// The thread stopped for an `interrupt` reply (PTRACE_INTERRUPT; deterministic scheduling
    /// only): it waits for a reply.
    pub const interrupted: u32 = 17;
    /// Answer to a `sync` reply: every reply before it is applied and every wait4 result that
    /// was ready after that is published (before this event).
    pub const synced: u32 = 18;
};

/// Reply kinds, policy -> tracer.
pub const Reply = struct {
    /// Resume (PTRACE_CONT or PTRACE_SYSCALL) the stopped thread: aux = signal to deliver (0: none), aux2 = flags.
    pub const continue_: u32 = 1;
    /// At a seccomp stop: skip the syscall; value = its return value.
    pub const emulate: u32 = 2;
    /// At a seccomp stop: run syscall number `value` with `args`; aux2 = flags.
    pub const rewrite: u32 = 3;
    /// At any stop: set the registers selected by the mask in aux (bit 0: rax = value;
    /// bit 1 + i: argument register i = args[i]), then resume; aux2 = flags.
    pub const set_registers: u32 = 4;
    /// Start a program on host aux2 (a small index; the host is made at first use): aux =
    /// request id, args[0] = address of the spec, args[1] = its length. The spec is copied
    /// during submit. See spawn.zig for its format.
    pub const spawn: u32 = 6;
    /// At any stop: copy the thread's user_regs_struct to the 216 bytes at address args[0] and,
    /// when args[1] is not 0, its user_fpregs_struct (fxsave) to the 512 bytes at args[1]; then
    /// report a `registers` event. The thread stays stopped.
    pub const read_registers: u32 = 8;
    /// At any stop: replace the thread's user_regs_struct with the 216 bytes at address args[0]
    /// and, when args[1] is not 0, its user_fpregs_struct with the 512 bytes at args[1]. The
    /// thread stays stopped.
    pub const write_registers: u32 = 9;
    /// Make host aux2's namespaces and init now (a spawn would, at first use); answered by a
    /// `host_opened` event.
    pub const open_host: u32 = 10;
    /// Stop a running thread (PTRACE_INTERRUPT): an `interrupted` event follows, unless it
    /// stopped for something else first.
    pub const interrupt: u32 = 11;
    /// Apply the replies before it, collect what wait4 has ready, then answer with `synced`:
    /// a wake-up the tracer's own work causes (a reaped child's parent) is then visible.
    pub const sync: u32 = 12;
};

/// aux2 of an exec event whose thread the tracer holds (spawn flag hold_at_exec).
pub const held: i32 = 1;
/// aux2 bit of an exec event: seeded, the thread waits for the policy's AT_RANDOM bytes.
pub const random: i32 = 2;

/// aux2 of an observed syscall event, and of a signal event the tracer delivered itself.
pub const observed: i32 = 1;

/// Reply flag: stop again at the exit of the current syscall (PTRACE_SYSCALL).
pub const flag_exit_stop: i32 = 1;
/// Rewrite flag: put the original argument registers and syscall number back at the
/// syscall-exit stop (implies the exit stop). Programs may keep values in argument registers
/// across a syscall, and a restarted syscall must be the program's own.
pub const flag_restore_arguments: i32 = 2;
/// Continue flag: resume with PTRACE_SINGLESTEP (until the step's SIGTRAP arrives, every
/// resume of the thread single-steps, so stepping over a traced syscall still stops after it).
pub const flag_single_step: i32 = 16;
/// Continue flag: a debugger holds the thread's signals: its signal stops wait for a reply.
/// A continue at a signal or event stop without it lets the tracer deliver them again.
pub const flag_debugged: i32 = 32;

/// Size of user_fpregs_struct (the fxsave area) that read_registers and write_registers copy.
pub const fp_registers_size = 512;

/// set_registers mask bit for rax.
pub const register_rax: i32 = 1;
/// set_registers mask bit: restart the syscall (rax = orig_rax, rip back onto the `syscall`
/// instruction), as the kernel does for ERESTART* codes, but with no signal needed.
pub const register_restart: i32 = 1 << 7;
