// Placeholder Lambda entry point; replaced by the real handler when its issue lands.
export const handler = async (): Promise<never> => {
  throw new Error('the ingest handler is not implemented yet');
};
