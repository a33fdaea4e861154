/** Type tokens of the resources the policies inspect. */

/** `docker.Container` (@pulumi/docker 5.x). */
export const CONTAINER = "docker:index/container:Container";

/** `docker.RemoteImage` (@pulumi/docker 5.x). */
export const REMOTE_IMAGE = "docker:index/remoteImage:RemoteImage";

/** `postgresql.Database` (@pulumi/postgresql 3.x). */
export const DATABASE = "postgresql:index/database:Database";

/** `command.local.Command` (@pulumi/command 1.x): runs a shell script on the Pulumi host. */
export const LOCAL_COMMAND = "command:local:Command";

/** `command.remote.Command` (@pulumi/command 1.x): runs a shell script on a host over SSH. */
export const REMOTE_COMMAND = "command:remote:Command";

/** The component a reset destroys (`npm run reset`). */
export const MATRIX_STACK = "eqmd:matrix:MatrixStack";
