/** SHA-256 (hex) of the embedded libumbra.so. */
export declare const sha256: string;
/** libumbra.so, base64. */
export declare const base64: string;
