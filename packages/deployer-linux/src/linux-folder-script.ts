import { MARKER_FILE, type FolderRequest } from '@gipkit/deployer-kit';
import { LINUX_CONTROL_SCRIPT, shellQuote } from './linux-control-script.js';

/** The first line of every folder script; the metadata lines after it are what the simulated guest reads. */
export const FOLDER_SCRIPT_HEADER = '# gipkit-folder-script v1';

/**
 * The POSIX sh script, run as `/bin/sh -c <script>`, that checks, prepares,
 * removes or lists a component's folder for the deploying account
 * (docs/reference/deployers.md, "Folder safety"). Exit codes: 0 done, 1 the
 * component could not be stopped, 3 refused (why on stderr), 4 failed.
 *
 * A folder is the account's own when it is a real directory (not a symbolic
 * link), owned by the account (persistent: or by root), and not writable by
 * group or others (no `+` ACL); a non-persistent one is then made `0700`. Its
 * root must be a directory owned by root or the account that others cannot
 * write to, or a sticky one (`/tmp`). Nothing runs from a folder before it passed.
 */
export function linuxFolderScript(request: FolderRequest): string {
  return `${FOLDER_SCRIPT_HEADER}
# gipkit-verb: ${request.verb}
# gipkit-mode: ${request.mode}
# gipkit-root: ${request.root}
# gipkit-folder: ${request.folder}
set -u
VERB=${shellQuote(request.verb)}
MODE=${shellQuote(request.mode)}
ROOT=${shellQuote(request.root)}
FOLDER=${shellQuote(request.folder)}
CONTROL=${shellQuote(LINUX_CONTROL_SCRIPT)}
MARKER=${shellQuote(MARKER_FILE)}
ME=$(id -u) || exit 4
refuse() { echo "$1" >&2; exit 3; }
# describe PATH [-L]: "<permissions> <owner uid>" of the entry itself (ls -ldn is POSIX).
describe() { ls -ldn \${2:-} -- "$1" 2>/dev/null | awk '{ print $1, $3 }'; }
root_ok() {
  [ -d "$ROOT" ] || refuse "$ROOT is not a directory"
  set -- $(describe "$ROOT" -L)
  case $2 in 0 | "$ME") ;; *) refuse "$ROOT belongs to uid $2, not to root or uid $ME" ;; esac
  case $1 in d????????t* | d????????T*) return 0 ;; d????-??-?*) ;; *) refuse "$ROOT ($1) can be written to by others and is not sticky" ;; esac
  case $1 in ??????????+*) refuse "$ROOT ($1) has an access control list" ;; esac
}
folder_ok() {
  [ -L "$FOLDER" ] && refuse "$FOLDER is a symbolic link"
  [ -d "$FOLDER" ] || refuse "$FOLDER is not a directory"
  set -- $(describe "$FOLDER")
  if [ "$2" != "$ME" ] && ! { [ "$MODE" = persistent ] && [ "$2" = 0 ]; }; then refuse "$FOLDER belongs to uid $2, not to uid $ME"; fi
  case $1 in d????-??-?*) ;; *) refuse "$FOLDER ($1) can be written to by others" ;; esac
  case $1 in ??????????+*) refuse "$FOLDER ($1) has an access control list" ;; esac
  if [ "$MODE" = non-persistent ] && [ "$1" != drwx------ ] && [ "$1" != drwx------. ]; then
    chmod 0700 -- "$FOLDER" || exit 4
    set -- $(describe "$FOLDER")
    case $1 in drwx------ | drwx------.) ;; *) refuse "$FOLDER ($1) cannot be made private" ;; esac
  fi
}
# Stops what runs from the folder: exit 1 from the control script means it could not; any other failure means it
# could not run (nothing was uploaded completely, so nothing was started).
stop_component() {
  [ -f "$FOLDER/$CONTROL" ] && [ ! -L "$FOLDER/$CONTROL" ] || return 0
  /bin/sh "$FOLDER/$CONTROL" stop >&2
  [ $? -ne 1 ] || exit 1
}
# Ends what still runs from the folder once its component is stopped: a health check or a start that a cancelled
# run cut short, and their children: the processes whose working directory is the folder (or inside it), found with
# shell builtins only (no process per candidate), and those running its control script (one pgrep). Only processes
# this account may signal are ended; no other account can work in the 0700 folder, and one that names the control
# script in its own command line can only have itself ended.
end_leftovers() {
  [ -d /proc ] || return 0
  here=$PWD
  for proc in /proc/[0-9]*; do
    pid=\${proc#/proc/}
    [ "$pid" = "$$" ] && continue
    cd -P "$proc/cwd" 2>/dev/null || continue
    case $PWD in
      "$FOLDER" | "$FOLDER"/*) kill -KILL "$pid" 2>/dev/null ;;
    esac
  done
  cd "$here" 2>/dev/null || cd /
  command -v pgrep >/dev/null 2>&1 || return 0
  for pid in $(pgrep -f -- "$FOLDER/$CONTROL"); do
    [ "$pid" = "$$" ] || kill -KILL "$pid" 2>/dev/null
  done
}
case $VERB in
  check)
    if [ -e "$ROOT" ] || [ -L "$ROOT" ]; then root_ok; fi
    if [ -e "$FOLDER" ] || [ -L "$FOLDER" ]; then folder_ok; echo present; else echo absent; fi
    ;;
  prepare)
    root_ok
    if [ ! -e "$FOLDER" ] && [ ! -L "$FOLDER" ]; then
      [ "$MODE" = persistent ] || refuse "$FOLDER is missing: it is made by uploading its marker"
      mkdir -m 0700 -- "$FOLDER" || exit 4
    fi
    folder_ok
    stop_component
    end_leftovers
    for entry in "$FOLDER"/* "$FOLDER"/.[!.]* "$FOLDER"/..?*; do
      [ -e "$entry" ] || [ -L "$entry" ] || continue
      [ "$entry" = "$FOLDER/$MARKER" ] && continue
      rm -rf -- "$entry" || exit 4
    done
    ;;
  remove)
    [ -e "$FOLDER" ] || [ -L "$FOLDER" ] || exit 0
    root_ok
    folder_ok
    stop_component
    end_leftovers
    rm -rf -- "$FOLDER" || exit 4
    ;;
  stale)
    [ -d "$ROOT" ] || exit 0
    for entry in "$ROOT"/gipkit-*; do
      [ -d "$entry" ] && [ ! -L "$entry" ] && [ -f "$entry/$MARKER" ] && [ ! -L "$entry/$MARKER" ] || continue
      set -- $(describe "$entry")
      [ "$2" = "$ME" ] && { [ "$1" = drwx------ ] || [ "$1" = drwx------. ]; } || continue
      set -- $(describe "$entry/$MARKER")
      [ "$2" = "$ME" ] || continue
      printf '%s\\t%s\\n' "$(head -c 4096 -- "$entry/$MARKER" | head -n 1)" "$entry"
    done
    ;;
  *) echo "usage: check|prepare|remove|stale" >&2; exit 4 ;;
esac
exit 0
`;
}
