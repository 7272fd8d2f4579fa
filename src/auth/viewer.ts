/** Who is asking: the signed-in user of a request or connection (null when anonymous). A leaf module: everything may import it. */
export interface Viewer {
  id: string;
  role: 'USER' | 'ADMIN';
}
