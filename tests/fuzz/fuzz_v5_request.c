/*
 * Fuzzes the reader of Mozilla's symbolication v5 requests
 * (server/v5_request.h), which the symbolicate route runs on every body
 * before the crash readers: the input is the body. The answer must be one
 * the header allows: a request read, whose jobs, memory maps, stacks and
 * frames keep their promises (counts within the limits and equal to what
 * the arrays hold, every frame's module an entry of its job's memoryMap
 * or -1, offsets from -1 up, names and ids of the characters Eliot
 * allows); NSYM_ENOENT for what is no v5 request; NSYM_EINVAL with 400 or
 * 413 and one line that quotes nothing; NSYM_ENOMEM. Nothing is printed,
 * and the request is released whole.
 */
#include <stdint.h>
#include <string.h>

#include "fuzz_util.h"
#include "v5_request.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_request(const struct nsym_v5_request *r)
{
	size_t modules = 0, stacks = 0, frames = 0;

	if (r->tape.nodes == NULL || r->strings == NULL || r->njobs > NSYM_V5_MAX_JOBS ||
	    r->nmodules > NSYM_V5_MAX_MODULES || r->nstacks > NSYM_V5_MAX_STACKS ||
	    r->nframes > NSYM_V5_MAX_FRAMES)
		fuzz_fail(
		    "a request past its limits: %zu jobs, %zu modules, %zu stacks, %zu frames",
		    r->njobs, r->nmodules, r->nstacks, r->nframes);
	for (size_t j = 0; j < r->njobs; j++) {
		const struct nsym_v5_job *job = &r->jobs[j];
		if (job->modules != r->modules + modules || job->stacks != r->stacks + stacks)
			fuzz_fail("job %zu does not follow the one before it", j);
		for (size_t m = 0; m < job->nmodules; m++) {
			const struct nsym_v5_module *mod = &job->modules[m];
			if (strspn(mod->name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
			                      "0123456789_.+{}@<> ~-") != fuzz_touch(mod->name) ||
			    strspn(mod->id, "0123456789ABCDEFabcdef") != fuzz_touch(mod->id))
				fuzz_fail("job %zu module %zu has a name or id Eliot refuses", j,
				          m);
		}
		for (size_t s = 0; s < job->nstacks; s++) {
			const struct nsym_v5_stack *st = &job->stacks[s];
			if (st->frames != r->frames + frames)
				fuzz_fail("job %zu stack %zu does not follow the one before it", j,
				          s);
			for (size_t f = 0; f < st->count; f++) {
				const struct nsym_v5_frame *fr = &st->frames[f];
				if (fr->module < -1 || fr->module >= (int64_t)job->nmodules ||
				    fr->offset < -1)
					fuzz_fail("job %zu stack %zu frame %zu: [%lld, %lld]", j, s,
					          f, (long long)fr->module, (long long)fr->offset);
			}
			frames += st->count;
		}
		modules += job->nmodules;
		stacks += job->nstacks;
	}
	if (modules != r->nmodules || stacks != r->nstacks || frames != r->nframes)
		fuzz_fail("the counts (%zu, %zu, %zu) are not what the jobs hold (%zu, %zu, %zu)",
		          r->nmodules, r->nstacks, r->nframes, modules, stacks, frames);
	fuzz_say("a v5 request: %zu jobs, %zu modules, %zu stacks, %zu frames", r->njobs,
	         r->nmodules, r->nstacks, r->nframes);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct nsym_v5_request r;
	char why[200];
	int status = -1, rc;

	fuzz_quiet_begin();
	rc = nsym_v5_read(&r, &status, why, sizeof(why), (const char *)data, size);
	fuzz_quiet_end("nsym_v5_read");
	switch (rc) {
	case 0:
		check_request(&r);
		break;
	case NSYM_EINVAL:
		if (status != 400 && status != 413)
			fuzz_fail("a refusal with status %d", status);
		if (why[0] == '\0')
			fuzz_fail("a refusal without a message");
		fuzz_check_line("the refusal", why);
		fuzz_say("refused %d: %s", status, why);
		break;
	case NSYM_ENOENT:
	case NSYM_ENOMEM:
		break;
	default:
		fuzz_fail("nsym_v5_read gave %d", rc);
	}
	if (rc != 0 && (r.tape.nodes != NULL || r.strings != NULL || r.jobs != NULL ||
	                r.frames != NULL || r.njobs != 0))
		fuzz_fail("an error (%d) left the request holding something", rc);
	nsym_v5_release(&r);
	return 0;
}
