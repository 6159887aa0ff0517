export declare const REQUIREMENTS: Record<string, { check(): boolean; apt: string; env?: string }>
export declare function findBinary(name: string, override?: string): string | undefined
export declare function ensureSystemDeps(names?: string[]): void
