/**
 * The symbols of libumbra (shim/umbra.zig) as Deno FFI declarations.
 * @module
 */

/** Must match `abi_version` in shim/umbra.zig. */
export const ABI_VERSION = 17;

/** FFI declarations for every exported function. */
export const symbols = {
  umbra_abi_version: { parameters: [], result: "u32" },
  umbra_message_size: { parameters: [], result: "u32" },
  umbra_open: { parameters: ["buffer", "u32", "u32", "u64", "u64"], result: "pointer" },
  umbra_clock_now: { parameters: ["pointer"], result: "u64" },
  umbra_clock_read: { parameters: ["pointer"], result: "u64" },
  umbra_clock_advance: { parameters: ["pointer", "u64"], result: "void" },
  umbra_next_events: { parameters: ["pointer", "buffer", "u32", "u32"], result: "i32" },
  umbra_submit: { parameters: ["pointer", "buffer", "u32"], result: "i32" },
  umbra_interrupt: { parameters: ["pointer"], result: "void" },
  umbra_close: { parameters: ["pointer"], result: "void" },
  umbra_read_memory: { parameters: ["i32", "u64", "buffer", "u64"], result: "i64" },
  umbra_write_memory: { parameters: ["i32", "u64", "buffer", "u64"], result: "i64" },
  umbra_signal: { parameters: ["i32", "i32", "i32"], result: "i32" },
  umbra_sigqueue: { parameters: ["i32", "i32", "i32", "buffer"], result: "i32" },
  umbra_duplicate_fd: { parameters: ["i32", "i32"], result: "i32" },
  umbra_timerfd_arm: { parameters: ["i32", "u64"], result: "i32" },
  umbra_close_fd: { parameters: ["i32"], result: "void" },
  umbra_file_time_marker: { parameters: [], result: "i32" },
  umbra_file_time_mark: { parameters: ["i32"], result: "i64" },
  umbra_cpu_ns: { parameters: ["i32"], result: "i64" },
  umbra_asleep: { parameters: ["buffer", "u32"], result: "bool" },
} as const;

/** The loaded library. */
export type Library = Deno.DynamicLibrary<typeof symbols>;
