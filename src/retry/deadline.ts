/**
 * Waiting for something, but not past a time: `await byDeadline(work, deadlineMs)` is the value
 * of `work`, or LATE if the wall clock reaches `deadlineMs` first (`work` goes on regardless).
 */
export const LATE = Symbol('late');

export async function byDeadline<T>(work: Promise<T>, deadlineMs: number): Promise<T | typeof LATE> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<typeof LATE>((resolve) => {
    timer = setTimeout(() => resolve(LATE), Math.max(0, deadlineMs - Date.now()));
  });
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}
