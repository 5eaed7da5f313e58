//! Fixed-size records exchanged between the tracer thread and the TypeScript policy.
//! The layout is mirrored by `src/native/protocol.ts`; both sides assert the size.

const std = @import("std");

/// One event (tracer -> policy) or one reply (policy -> tracer). 200 bytes, no padding.
pub const Message = extern struct {
    kind: u32,
    /// Native thread id the message is about.
    tid: i32,
    aux: i32,
    aux2: i32,
    value: i64,
    args: [6]u64,
    /// siginfo_t for signal events and siginfo replies; free-form text for errors.
    payload: [128]u8,

    pub const zero: Message = std.mem.zeroes(Message);
};

comptime {
    std.debug.assert(@sizeOf(Message) == 200);
}

/// Event kinds, tracer -> policy.
pub const Event = struct {
    /// seccomp stop at syscall entry: value = syscall number, args = the six arguments.
    /// For an observed syscall (see seccomp.zig) aux2 = `observed`, payload = the copied memory,
    /// aux = bytes copied (negative errno when the pointer was bad), and the tracer has resumed it.
    pub const syscall: u32 = 1;
    /// syscall-exit stop (asked for with `flag_exit_stop`): value = return value, aux = number.
    pub const syscall_exit: u32 = 2;
    /// PTRACE_EVENT_FORK/VFORK/CLONE in the parent: aux = child tid, args = the syscall's arguments.
    /// Informational: the tracer resumes the parent itself (keeping a requested exit stop).
    pub const fork: u32 = 3;
    pub const vfork: u32 = 4;
    pub const clone: u32 = 5;
    /// PTRACE_EVENT_EXEC: tid = the thread group id after exec, aux = former tid.
    /// Informational: the tracer resumes the thread itself, except at the first exec of a
    /// program spawned with `flag_hold_at_exec`: then aux2 = `held` and it waits for a reply.
    pub const exec: u32 = 6;
    /// PTRACE_EVENT_EXIT: value = the wait status the thread will exit with; payload = its comm
    /// (task name, read in this stop, when it still can be), aux = the comm's length.
    /// Informational: the tracer resumes the thread itself.
    pub const exiting: u32 = 7;
    /// The thread is gone and reaped natively: value = wait status, args[0] = utime_us,
    /// args[1] = stime_us, payload = the 14 longs of struct rusage after the two timevals.
    pub const exited: u32 = 8;
    /// Signal-delivery stop: aux = signal number, payload = siginfo.
    pub const signal: u32 = 9;
    /// Group stop: aux = stop signal.
    pub const group_stop: u32 = 10;
    /// Answer to a `read_registers` reply: the registers are in the policy's buffer. The thread
    /// is still stopped.
    pub const registers: u32 = 11;
    /// A spawn request forked its process: tid = native pid, aux = request id.
    /// If the process exits before its first exec event, exec failed and the exit code is the errno.
    pub const spawned: u32 = 12;
    /// A spawn request failed before a process existed: aux = request id, value = -errno.
    pub const spawn_failed: u32 = 13;
    /// The controller rejected a reply (a policy bug): payload = message.
    pub const protocol_error: u32 = 14;
    /// An injected syscall finished: value = its result. The thread is back at the syscall-exit
    /// stop it was injected from, registers as they were; answer as at any syscall exit.
    pub const injected: u32 = 15;
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
    /// At a signal-delivery stop: replace the siginfo with `payload`, deliver signal aux.
    pub const deliver_siginfo: u32 = 5;
    /// Start a program: aux = request id, args[0] = address of the spec, args[1] = its length.
    /// The spec is copied during submit. See spawn.zig for its format.
    pub const spawn: u32 = 6;
    /// At a syscall-exit stop: make the thread run syscall `value` with `args` (re-executing its
    /// `syscall` instruction), then restore its registers and report an `injected` event.
    /// Only for syscalls the filter does not trace.
    pub const inject: u32 = 7;
    /// At any stop: copy the thread's user_regs_struct to the 216 bytes at address args[0] and,
    /// when args[1] is not 0, its user_fpregs_struct (fxsave) to the 512 bytes at args[1]; then
    /// report a `registers` event. The thread stays stopped.
    pub const read_registers: u32 = 8;
    /// At any stop: replace the thread's user_regs_struct with the 216 bytes at address args[0]
    /// and, when args[1] is not 0, its user_fpregs_struct with the 512 bytes at args[1]. The
    /// thread stays stopped.
    pub const write_registers: u32 = 9;
};

/// aux2 of an exec event whose thread the tracer holds (spawn flag hold_at_exec).
pub const held: i32 = 1;

/// aux2 of an observed syscall event.
pub const observed: i32 = 1;

/// Reply flag: stop again at the exit of the current syscall (PTRACE_SYSCALL).
pub const flag_exit_stop: i32 = 1;
/// Rewrite flag: put the original argument registers and syscall number back at the
/// syscall-exit stop (implies the exit stop). Programs may keep values in argument registers
/// across a syscall, and a restarted syscall must be the program's own.
pub const flag_restore_arguments: i32 = 2;

/// Continue/rewrite flag: at the syscall-exit stop, if the result is not an error, replace it
/// with the i64 at payload[0..8] and resume, all in the tracer (no event, no policy round trip);
/// an error is published as a syscall-exit event.
pub const flag_exit_value: i32 = 4;
/// Rewrite flag for a fork/vfork/clone: at the creator's fork event, write the child's virtual
/// tid (payload[24..28], i32) at the parent-tid address (payload[8..16]) in the creator and at the
/// child-tid address (payload[16..24]) in the child, and restore the child's argument registers
/// to the creator's originals (with flag_restore_arguments) before it first runs.
pub const flag_creation: i32 = 8;

/// Continue flag: resume with PTRACE_SINGLESTEP (until the step's SIGTRAP arrives, every
/// resume of the thread single-steps, so stepping over a traced syscall still stops after it).
pub const flag_single_step: i32 = 16;

/// Offsets in a reply's payload.
/// Size of user_fpregs_struct (the fxsave area) that read_registers and write_registers copy.
pub const fp_registers_size = 512;

pub const payload_exit_value = 0;
pub const payload_parent_tid_address = 8;
pub const payload_child_tid_address = 16;
pub const payload_child_tid = 24;

/// set_registers mask bit for rax.
pub const register_rax: i32 = 1;
/// set_registers mask bit: restart the syscall (rax = orig_rax, rip back onto the `syscall`
/// instruction), as the kernel does for ERESTART* codes, but with no signal needed.
pub const register_restart: i32 = 1 << 7;
