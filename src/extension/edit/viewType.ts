/** The view type of the compare view; a module of its own so that activation can name it cheaply. */
export const compareViewType = 'evolink.compare';
