import type { TaskAction } from '../../common/taskState';
import type { Features } from '../commands/table';

/*
 * The commands of the Tasks view's menus, for the command table. Each lifecycle action of
 * `actionsFor` has one (`evolink.task.<action>`); the menus offer it when the item's context
 * value holds the action's token. Handlers take the clicked node, or a task's id (automation).
 * Only types are imported: activation loads none of the view's code.
 */

type Handler = (features: Features, target?: unknown) => unknown;

const act = (action: TaskAction): Handler => (f, target) => f.tasksView.act(action, target);

/** The view's commands: id -> handler. */
export const taskViewCommands = {
  'evolink.task.stopWatching': act('stopWatching'),
  'evolink.task.checkAgain': act('checkAgain'),
  'evolink.task.checkForIt': act('checkForIt'),
  'evolink.task.submitAgain': act('submitAgain'),
  'evolink.task.saveElsewhere': act('saveElsewhere'),
  'evolink.task.downloadOverHttp': act('downloadOverHttp'),
  'evolink.task.retry': act('retry'),
  'evolink.task.forget': act('forget'),
  'evolink.task.open': (f, target) => f.tasksView.open(target),
  'evolink.task.reveal': (f, target) => f.tasksView.reveal(target),
  'evolink.task.insertReference': (f, target) => f.tasksView.insertReference(target),
  'evolink.task.copyTaskId': (f, target) => f.tasksView.copyTaskId(target),
  'evolink.task.compare': (f, target) => f.tasksView.compare(target),
  'evolink.tasks.refresh': (f) => f.tasksView.refresh(),
} satisfies Record<`evolink.task.${TaskAction}`, Handler> & Record<string, Handler>;
