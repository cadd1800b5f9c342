/*
 * yaml_parse_only.c — the baseline for bench_loader.sh: reads each file named on the
 * command line and only parses it with libyaml's event API (what any YAML consumer
 * must pay), with no tree, no validation, no SHA-256. Prints the event count so the
 * work cannot be optimised away.
 */
#include <stdio.h>
#include <stdlib.h>
#include <yaml.h>

int main(int argc, char **argv)
{
	unsigned long events = 0;
	static char buf[4 << 20];
	for (int i = 1; i < argc; i++) {
		FILE *f = fopen(argv[i], "rb");
		if (!f) {
			perror(argv[i]);
			return 1;
		}
		size_t len = fread(buf, 1, sizeof buf, f);
		fclose(f);
		yaml_parser_t p;
		yaml_parser_initialize(&p);
		yaml_parser_set_input_string(&p, (const unsigned char *)buf, len);
		for (int done = 0; !done;) {
			yaml_event_t ev;
			if (!yaml_parser_parse(&p, &ev)) {
				fprintf(stderr, "%s: YAML error\n", argv[i]);
				return 1;
			}
			done = ev.type == YAML_STREAM_END_EVENT;
			events++;
			yaml_event_delete(&ev);
		}
		yaml_parser_delete(&p);
	}
	printf("%lu events\n", events);
	return 0;
}
