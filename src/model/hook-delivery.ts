/** One attempt of GitHub to deliver a webhook to the app, as `GET /app/hook/deliveries` lists it. */
export interface HookDelivery {
  /** The attempt's id (what a redelivery names). */
  id: number;
  /** The delivery's GUID (`X-GitHub-Delivery`), the same for every attempt of it. */
  guid: string;
  /** When it was attempted, in ms since the epoch. */
  at: number;
  /** The app's answer; 0 when nothing answered (down, unreachable, timed out). */
  statusCode: number;
  /** Made by a redelivery; false for the attempt GitHub made when the event happened. */
  redelivery: boolean;
  event: string;
  action: string | null;
}
