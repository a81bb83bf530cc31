/**
 * The S3 client image of backup uploads and restore downloads, pinned by explicit tag.
 * The engine images hold no S3 client (a backup job that assumes one fails on exactly that):
 * uploads run in this image, after the engine image has written the dump.
 */
export const S3_CLIENT_IMAGE = 'docker.io/amazon/aws-cli:2.27.49';
