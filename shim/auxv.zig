//! The auxiliary vector on a freshly exec'd program's stack: hiding the vDSO, so that libc falls
//! back to real syscalls (which seccomp sees) for clock_gettime, gettimeofday and time, and
//! finding AT_RANDOM's 16 bytes (seeded runs write their own there).

const std = @import("std");
const memory = @import("memory.zig");
const sys = @import("sys.zig");

const AT_NULL: u64 = 0;
const AT_IGNORE: u64 = 1;
const AT_SYSINFO_EHDR: u64 = 33;
const AT_RANDOM: u64 = 25;

/// Words of stack read at most (argv, envp and auxv together); a larger one keeps its vDSO.
const words_max = 1 << 16;

/// Reads the tracee's stack word by word, a chunk at a time.
const StackReader = struct {
    pid: sys.pid_t,
    stack: u64,
    chunk: [512]u64 = undefined,
    first: usize = 0, // word index of chunk[0]
    loaded: usize = 0, // valid words in chunk

    fn word(reader: *StackReader, index: usize) ?u64 {
        if (index < reader.first or index >= reader.first + reader.loaded) {
            const got = memory.read(reader.pid, reader.stack + index * 8, std.mem.sliceAsBytes(reader.chunk[0..]));
            if (got < 8) return null;
            reader.first = index;
            reader.loaded = @intCast(@divTrunc(got, 8));
        }
        return reader.chunk[index - reader.first];
    }
};

/// What `walk` found.
pub const Found = struct {
    /// Whether it turned an AT_SYSINFO_EHDR into AT_IGNORE.
    vdso_hidden: bool = false,
    /// AT_RANDOM's value (the address of 16 random bytes), 0 when none.
    at_random: u64 = 0,
};

/// At the exec stop, `stack` being the new program's stack pointer (at argc): with
/// `hide_vdso`, turns the AT_SYSINFO_EHDR entry into AT_IGNORE; finds AT_RANDOM.
pub fn walk(pid: sys.pid_t, stack: u64, hide_vdso: bool) Found {
    var found: Found = .{};
    var reader: StackReader = .{ .pid = pid, .stack = stack };
    const argc = reader.word(0) orelse return found;
    var index: usize = @intCast(argc + 2); // argc, argv[argc], NULL
    while (index < words_max) : (index += 1) {
        if ((reader.word(index) orelse return found) == 0) break; // end of envp
    }
    index += 1;
    while (index + 1 < words_max) : (index += 2) {
        const kind = reader.word(index) orelse return found;
        if (kind == AT_NULL) return found;
        if (kind == AT_SYSINFO_EHDR and hide_vdso) {
            const ignore: u64 = AT_IGNORE;
            found.vdso_hidden = memory.write(pid, stack + index * 8, std.mem.asBytes(&ignore)) == 8;
        } else if (kind == AT_RANDOM) {
            found.at_random = reader.word(index + 1) orelse 0;
        }
    }
    return found;
}
