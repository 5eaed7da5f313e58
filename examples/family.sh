#!/bin/sh
# A small process family: under umbra every id is virtual (pid 1000, parent 1).
echo "shell: pid $$ parent $PPID"
sh -c 'echo "child: pid $$ parent $PPID"'
sleep 0.1 &
echo "background job: pid $!"
wait $!
echo "background job exited with $?"
( exit 3 )
echo "subshell exited with $?"
