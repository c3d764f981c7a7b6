# alembic-guard: the quiet commit, sourced by the pre-commit hook (plain git hooks and the husky
# block) before it starts node. Not run on its own.
#
# alembic_guard_quiet_commit <package folder>: exit status 0, and the pass line printed, while the
# note the last passing check wrote (alembic-guard/quiet-commit in the git dir) holds for the
# working tree as it is now; 1, and nothing printed, for anything else, and the hook then starts
# node, which checks it all. The note names the CLI build that wrote it (dist/stamp), the files
# that check read from the working tree (their blob ids are in its hash), the paths it found
# absent, a file or a folder, and the git commands whose output it judged: the index entries of
# the versions directories and of every alembic.ini, pyproject.toml and env.py, the status of
# every watched path. See src/hooks/quiet-commit.ts, which writes the note and holds the lists
# this file repeats (a test compares them).
#
# A subshell: IFS, set -f and the variables stay in it. git runs hooks at the top of the working
# tree, where every path in the note is relative to.
alembic_guard_quiet_commit() (
	[ -z "${ALEMBIC_GUARD_SKIP:-}${ALEMBIC_GUARD_CACHE:-}${ALEMBIC_GUARD_PYTHON:-}${CI:-}${GITHUB_ACTIONS:-}" ] && [ -f "$1/dist/stamp" ] && read -r alembic_guard_stamp <"$1/dist/stamp" || exit 1
	if [ -d .git ] && [ -z "${GIT_DIR:-}" ]; then
		alembic_guard_note=.git/alembic-guard/quiet-commit
	else alembic_guard_note=$(git rev-parse --git-path alembic-guard/quiet-commit 2>/dev/null) || exit 1; fi
	[ -f "$alembic_guard_note" ] && [ ! . -nt "$alembic_guard_note" ] && alembic_guard_lines=$(cat "$alembic_guard_note") || exit 1
	IFS='
'
	set -f
	alembic_guard_stamped= alembic_guard_listed= alembic_guard_status= alembic_guard_say= alembic_guard_sweep= alembic_guard_known=
	for alembic_guard_line in $alembic_guard_lines; do
		case $alembic_guard_line in
		'alembic-guard quiet-commit 1' | 'ls '* | 'st '* | 'file '*) ;;
		"stamp $alembic_guard_stamp") alembic_guard_stamped=1 ;;
		'hash-listed '*) alembic_guard_listed="l ${alembic_guard_line#hash-listed }" ;;
		'hash-status '*) alembic_guard_status="s ${alembic_guard_line#hash-status }" ;;
		'say '*) alembic_guard_say=${alembic_guard_line#say } ;;
		'absent '*) [ ! -e "${alembic_guard_line#absent }" ] && [ ! -L "${alembic_guard_line#absent }" ] || exit 1 ;;
		'isfile '*) [ -f "${alembic_guard_line#isfile }" ] || exit 1 ;;
		'dir '*) [ -d "${alembic_guard_line#dir }" ] || exit 1 ;;
		'exists '*) [ -e "${alembic_guard_line#exists }" ] || exit 1 ;;
		sweep) alembic_guard_sweep=1 ;;
		'known '*) alembic_guard_known="$alembic_guard_known/${alembic_guard_line#known }/" ;;
		*) exit 1 ;;
		esac
	done
	[ -n "$alembic_guard_stamped" ] && [ -n "$alembic_guard_listed" ] && [ -n "$alembic_guard_status" ] || exit 1
	if [ -n "$alembic_guard_sweep" ]; then
		set +f
		for alembic_guard_dir in */; do
			alembic_guard_dir=${alembic_guard_dir%/}
			case $alembic_guard_dir in node_modules|__pycache__|venv|env|site-packages|dist|build | '*') continue ;; esac
			[ ! -e "$alembic_guard_dir/.git" ] || continue
			for alembic_guard_file in alembic.ini pyproject.toml migrations/alembic.ini alembic/env.py migrations/env.py; do
				[ -f "$alembic_guard_dir/$alembic_guard_file" ] || continue
				case $alembic_guard_known in */"$alembic_guard_dir/$alembic_guard_file"/*) ;; *) exit 1 ;; esac
			done
		done
		set -f
	fi
	# The index listing and the status each read the whole index: side by side, a line each
	# ("l <hash>", "s <hash>"), in whatever order they finish.
	alembic_guard_got=$(
		(
			set --; for alembic_guard_line in $alembic_guard_lines; do case $alembic_guard_line in 'ls '*) set -- "$@" "${alembic_guard_line#ls }" ;; esac; done
			printf 'l %s\n' "$({ git ls-files -s -v -z -- "$@" && printf ok; } | git hash-object --stdin)"
		) &
		(
			set --; for alembic_guard_line in $alembic_guard_lines; do case $alembic_guard_line in 'st '*) set -- "$@" "${alembic_guard_line#st }" ;; esac; done
			printf 's %s\n' "$({ GIT_OPTIONAL_LOCKS=0 LC_ALL=C GIT_NO_LAZY_FETCH=1 git status --porcelain=v2 -z --untracked-files=all --ignored=traditional --no-renames --ignore-submodules=all -- "$@" && printf ok; } | git hash-object --stdin)"
		)
		# The files read: their blob ids, in the note's order, against the ids the note gives.
		set --; alembic_guard_ids=
		for alembic_guard_line in $alembic_guard_lines; do
			case $alembic_guard_line in 'file '*)
				alembic_guard_line=${alembic_guard_line#file }
				alembic_guard_ids="$alembic_guard_ids${alembic_guard_line%% *}$IFS"
				set -- "$@" "${alembic_guard_line#* }" ;;
			esac
		done
		if [ $# -eq 0 ] || [ "$(git hash-object --no-filters -- "$@")$IFS" = "$alembic_guard_ids" ]; then echo 'f same'; fi
		wait
	) || exit 1
	for alembic_guard_want in "$alembic_guard_listed" "$alembic_guard_status" 'f same'; do
		case $alembic_guard_got in *"$alembic_guard_want"*) ;; *) exit 1 ;; esac
	done
	if [ -z "${NO_COLOR:-}" ] && { [ -n "${FORCE_COLOR:-}" ] || { [ -t 1 ] && [ "${TERM:-}" != dumb ]; }; }; then
		printf '\033[32m%s\033[39m\n' "$alembic_guard_say"
	else printf '%s\n' "$alembic_guard_say"; fi
)
