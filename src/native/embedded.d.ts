/** One embedded library. */
export interface EmbeddedLibrary {
  /** SHA-256 (hex) of the library's bytes. */
  sha256: string;
  /** The library, base64. */
  base64: string;
}

/** The built libraries by name: `umbra` (libumbra.so) and `umbra_preload` (the LD_PRELOAD shim). */
export declare const libraries: Record<"umbra" | "umbra_preload", EmbeddedLibrary>;
