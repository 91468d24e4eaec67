/** The view type of the Image Studio panel; a module of its own so that activation can name it cheaply. */
export const studioViewType = 'evolink.studio';
