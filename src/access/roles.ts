export const APP_ROLES = ['admin', 'manager', 'sales', 'support', 'auditor'] as const;
export type AppRole = (typeof APP_ROLES)[number];

export const REGIONS = ['EU', 'NA', 'APAC'] as const;
export type Region = (typeof REGIONS)[number];

export const isAppRole = (value: unknown): value is AppRole =>
  typeof value === 'string' && (APP_ROLES as readonly string[]).includes(value);

/** Region names are matched case-insensitively; anything else means "no region". */
export function toRegion(value: unknown): Region | null {
  if (typeof value !== 'string') return null;
  const upper = value.trim().toUpperCase();
  return (REGIONS as readonly string[]).includes(upper) ? (upper as Region) : null;
}
