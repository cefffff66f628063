#!/usr/bin/env bash
# design_rooms: docs/DESIGN.md's table of rooms, checked against the tree. Fails when a file
# includes a room its row does not list, when a folder under imaging/ is in no row, or when the
# table's arrows make a circle.  Usage: check_rooms.sh SOURCE_DIR
set -euo pipefail
cd "${1:-.}"
table=$(sed -n '/<!-- rooms -->/,/<!-- \/rooms -->/p' docs/DESIGN.md | grep '^| [a-z]' | grep -v '^| room ')
[ -n "$table" ] || { echo "docs/DESIGN.md: no table of rooms"; exit 1; }
rooms=$(echo "$table" | awk -F'|' '{gsub(/ /,"",$2); print $2}')
bad=0 edges=""
is_room() { grep -qx "$1" <<<"$rooms"; } # (not echo | grep -q: under pipefail, a SIGPIPE to echo fails it)
while IFS='|' read -r _ room folder allowed _; do
  room=$(echo "$room" | tr -d ' ')
  folder=$(echo "$folder" | tr -d ' `'); folder=${folder%/}
  allowed=$(echo "$allowed" | sed 's/([^)]*)//g' | tr ',' ' ')
  [ -d "$folder" ] || { echo "docs/DESIGN.md: room $room: no folder $folder"; bad=1; continue; }
  for a in $allowed; do
    is_room "$a" || [ "$a" = imaging ] || { echo "docs/DESIGN.md: room $room may include '$a', which is no room"; bad=1; }
    edges="$edges$room $a"$'\n'
  done
  while IFS=: read -r file inc; do
    [ -n "$file" ] || continue
    r=${inc%%/*}
    [ "$r" = "$room" ] && continue
    if [ "$r" = imaging ] || is_room "$r"; then
      case " $allowed " in *" $r "*) ;; *) echo "$file includes \"$inc\": room $room may not include $r"; bad=1 ;; esac
      if [ "$room" = cmd ] && [ "$r" = imaging ]; then
        case "$inc" in imaging/batch.h | imaging/core/options.h) ;; *) echo "$file includes \"$inc\": cmd/ sees only imaging/batch.h and imaging/core/options.h"; bad=1 ;; esac
      fi
    fi
  done < <(find "$folder" -path "$folder/tests" -prune -o -path "$folder/bench" -prune -o -path "$folder/fuzz" -prune \
             -o \( -name '*.c' -o -name '*.h' \) -print | sort |
           xargs grep -HoE '^#include "[^"]+"' | sed 's/#include "//; s/"$//')
done <<< "$table"
for d in imaging/*/; do
  d=${d%/}
  case "$d" in imaging/tests | imaging/fuzz) continue ;; esac
  grep -q "\`$d/\`" <<<"$table" || { echo "$d/ is in no row of docs/DESIGN.md's table of rooms"; bad=1; }
done
if ! printf '%s' "$edges" | grep -v ' imaging$' | tsort >/dev/null 2>/tmp/tsort.$$; then
  echo "docs/DESIGN.md: the rooms' arrows make a circle:"; cat /tmp/tsort.$$; bad=1
fi
rm -f /tmp/tsort.$$
[ "$bad" = 0 ] && echo "rooms: $(echo "$rooms" | wc -l) rooms, every include follows docs/DESIGN.md's arrows"
exit "$bad"
