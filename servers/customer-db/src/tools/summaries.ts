// One line for people per result (core sends it after the JSON): what came back, at a glance.
import type { Customer, Order } from '../schemas.ts';

function clip(text: string, max = 80): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** `49.99 USD`, `1,250 JPY`: the amount in the currency's own minor unit. */
export function money(minor: number, currency: string): string {
  try {
    const digits = new Intl.NumberFormat('en-US', { style: 'currency', currency }).resolvedOptions()
      .maximumFractionDigits;
    const amount = new Intl.NumberFormat('en-US', {
      minimumFractionDigits: digits,
      maximumFractionDigits: digits,
    }).format(minor / 10 ** (digits ?? 2));
    return `${amount} ${currency}`;
  } catch {
    return `${minor} ${currency} (minor units)`;
  }
}

export const customerLine = (c: Customer) =>
  `Customer ${c.id}: ${clip(c.name)} <${clip(c.email)}>, ${c.status}`;

export const orderLine = (o: Order) =>
  `Order ${o.id} for ${clip(o.customer_name)} (customer ${o.customer_id}): ${o.status}, ${money(o.total_cents, o.currency)}`;

export const pageLine = (count: number, what: string, next: string | null) =>
  `${count} ${what}${count === 1 ? '' : 's'}${next ? '; more with next_cursor' : ''}`;
