/*
 * The readers of Windows crash texts on the shapes real ones take in public
 * issues: Windows' own records (nsym_crash_from_windows: the Application
 * Error event in words and XML, WER's Report.wer and problem signatures),
 * the WinDbg and StackWalker stacks of the tools reader, UTF-16 input and
 * the names a PE module goes by (nsym_crash_module_named). What each line
 * becomes in the crash model is checked; no symbols are needed. The texts
 * are written after the issues each comment names, with the fixture's
 * names and numbers.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "napi_symbols.h"
#include "napi_symbols_report.h"
#include "test_util.h"

/* The one crash text holds, read by the Windows records' reader. */
static struct nsym_crash *one_windows(const char *text, size_t *n)
{
	struct nsym_crash *crashes = NULL;

	ck_assert_int_eq(nsym_crash_from_windows(&crashes, n, text, strlen(text), NULL, NULL), 0);
	return crashes;
}

static void expect_fault(const struct nsym_crash *c, const char *module, const char *path,
                         uint32_t stamp, uint64_t offset, const char *signal, long long pid)
{
	ck_assert_str_eq(c->reason, "signal");
	ck_assert_uint_eq(c->nmodules, 1);
	ck_assert_uint_eq(c->nframes, 1);
	ck_assert_str_eq(c->modules[0].name, module);
	ck_assert_str_eq(c->modules[0].path, path);
	ck_assert_int_eq(c->modules[0].format, NSYM_FORMAT_PE);
	ck_assert(c->modules[0].listed);
	ck_assert(c->modules[0].has_timestamp);
	ck_assert_uint_eq(c->modules[0].timestamp, stamp);
	ck_assert_int_eq(c->frames[0].module, 0);
	ck_assert_int_eq(c->frames[0].how, NSYM_OFFSET_GIVEN);
	ck_assert_uint_eq(c->frames[0].rel, offset);
	ck_assert(!c->frames[0].return_address);
	ck_assert_ptr_null(c->frames[0].why);
	ck_assert_str_eq(c->signal_name, signal);
	ck_assert_int_eq(c->pid, pid);
}

/* Event 1000 as Event Viewer's "Copy details" gives it (the header lines,
 * the words, then "Event Xml:"; microsoft/EventLogExpert #425,
 * kauffman12/EQLogParser #76), in Windows 11's spelling ("Faulting process
 * ID: 0x0x2F8C", Team-Resurgent/Repackinator #58): the words and the XML
 * of one event are one crash. */
static const char event[] =
    "Log Name:      Application\r\n"
    "Source:        Application Error\r\n"
    "Event ID:      1000\r\n"
    "Task Category: Application Crashing Events\r\n"
    "Description:\r\n"
    "Faulting application name: node.exe, version: 20.11.1.0, time stamp: 0x65b8c8a5\r\n"
    "Faulting module name: addon.node, version: 0.0.0.0, time stamp: 0x6b1663a3\r\n"
    "Exception code: 0xc0000005\r\n"
    "Fault offset: 0x0000000000001010\r\n"
    "Faulting process ID: 0x0x2F8C\r\n"
    "Faulting application start time: 0x0x1DB5279F3D662DE\r\n"
    "Faulting application path: C:\\Program Files\\nodejs\\node.exe\r\n"
    "Faulting module path: C:\\app\\node_modules\\addon\\build\\Release\\addon.node\r\n"
    "Report ID: 4134a62b-474a-4c49-aa97-df525e0d5a01\r\n"
    "Faulting package full name: \r\n"
    "Faulting package-relative application ID: \r\n"
    "Event Xml:\r\n"
    "<Event xmlns=\"http://schemas.microsoft.com/win/2004/08/events/event\">\r\n"
    "  <System>\r\n"
    "    <Provider Name=\"Application Error\" Guid=\"{a0e9b465-b939-57d7-b27d-95d8e925ff57}\" "
    "/>\r\n"
    "    <EventID>1000</EventID>\r\n"
    "  </System>\r\n"
    "  <EventData>\r\n"
    "    <Data Name=\"AppName\">node.exe</Data>\r\n"
    "    <Data Name=\"AppVersion\">20.11.1.0</Data>\r\n"
    "    <Data Name=\"AppTimeStamp\">65b8c8a5</Data>\r\n"
    "    <Data Name=\"ModuleName\">addon.node</Data>\r\n"
    "    <Data Name=\"ModuleVersion\">0.0.0.0</Data>\r\n"
    "    <Data Name=\"ModuleTimeStamp\">6b1663a3</Data>\r\n"
    "    <Data Name=\"ExceptionCode\">c0000005</Data>\r\n"
    "    <Data Name=\"FaultingOffset\">0000000000001010</Data>\r\n"
    "    <Data Name=\"ProcessId\">0x2f8c</Data>\r\n"
    "    <Data Name=\"ProcessCreationTime\">0x1db5279f3d662de</Data>\r\n"
    "    <Data Name=\"AppPath\">C:\\Program Files\\nodejs\\node.exe</Data>\r\n"
    "    <Data "
    "Name=\"ModulePath\">C:\\app\\node_modules\\addon\\build\\Release\\addon.node</Data>\r\n"
    "    <Data Name=\"IntegratorReportId\">4134a62b-474a-4c49-aa97-df525e0d5a01</Data>\r\n"
    "    <Data Name=\"PackageFullName\">\r\n"
    "    </Data>\r\n"
    "    <Data Name=\"PackageRelativeAppId\" />\r\n"
    "  </EventData>\r\n"
    "</Event>\r\n";

static const char addon_path[] = "C:\\app\\node_modules\\addon\\build\\Release\\addon.node";

START_TEST(event_words_and_xml_are_one_crash)
{
	size_t n;
	struct nsym_crash *c = one_windows(event, &n);
	char *xml;

	ck_assert_uint_eq(n, 1);
	expect_fault(&c[0], "addon.node", addon_path, 0x6b1663a3, 0x1010,
	             "EXCEPTION_ACCESS_VIOLATION (0xc0000005)", 0x2f8c);
	ck_assert_str_eq(c[0].source, "Windows Application Error event: node.exe");
	nsym_crashes_free(c, n);

	/* the XML alone reads the same */
	xml = strstr(event, "<Event ");
	c = one_windows(xml, &n);
	ck_assert_uint_eq(n, 1);
	expect_fault(&c[0], "addon.node", addon_path, 0x6b1663a3, 0x1010,
	             "EXCEPTION_ACCESS_VIOLATION (0xc0000005)", 0x2f8c);
	nsym_crashes_free(c, n);
}
END_TEST

/* The words as pastes mangle them: quoted, cut at a narrow width inside a
 * field ("time stamp:" then the stamp, a path cut at its space;
 * files-community/Files #16839), and a whole event joined into one line. */
START_TEST(event_words_read_wrapped_quoted_and_joined)
{
	static const char wrapped[] =
	    "> Faulting application name: Code.exe, version: 1.0.0.0, time stamp:\n"
	    "> 0x666b0000\n"
	    "> Faulting module name: sharp-win32-x64.node, version: 0.33.5.0,\n"
	    "> time stamp: 0x66e2f1a0\n"
	    "> Exception code: 0xc0000409\n"
	    "> Fault offset: 0x00000000000c6572\n"
	    "> Faulting process id: 0x2778\n"
	    "> Faulting module path: C:\\Program\n"
	    "> Files\\App\\resources\\node_modules\\sharp\\build\\Release\\sharp-win32-x64.node\n"
	    "> Report Id: 7e5e3307-9854-43d3-b7af-8072b2ce93b6\n";
	static const char joined[] =
	    "[app] Faulting application name: node.exe, version: 18.12.1.0, time stamp: "
	    "0x637e8a3f Faulting module name: b.node, version: 0.0.0.0, time stamp: 0x6b1663a3 "
	    "Exception code: 0xc0000005 Fault offset: 0x1234 Faulting process id: 0x10 Faulting "
	    "module path: C:\\x\\b.node Report Id: 1 Faulting application name: node.exe, "
	    "version: 18.12.1.0, time stamp: 0x637e8a3f Faulting module name: c.node, version: "
	    "1.0.0.0, time stamp: 0x00000000 Exception code: 0xe06d7363 Fault offset: 0x99\n";
	size_t n;
	struct nsym_crash *c = one_windows(wrapped, &n);

	ck_assert_uint_eq(n, 1);
	expect_fault(
	    &c[0], "sharp-win32-x64.node",
	    "C:\\Program "
	    "Files\\App\\resources\\node_modules\\sharp\\build\\Release\\sharp-win32-x64.node",
	    0x66e2f1a0, 0xc6572, "STATUS_STACK_BUFFER_OVERRUN (0xc0000409)", 0x2778);
	ck_assert_str_eq(c[0].source, "Windows Application Error event: Code.exe");
	nsym_crashes_free(c, n);

	c = one_windows(joined, &n);
	ck_assert_uint_eq(n, 2);
	expect_fault(&c[0], "b.node", "C:\\x\\b.node", 0x6b1663a3, 0x1234,
	             "EXCEPTION_ACCESS_VIOLATION (0xc0000005)", 0x10);
	/* a stamp of 0 is Windows' for a module it could not read: none */
	ck_assert(!c[1].modules[0].has_timestamp);
	ck_assert_str_eq(c[1].modules[0].path, "c.node");
	ck_assert_uint_eq(c[1].frames[0].rel, 0x99);
	ck_assert_str_eq(c[1].signal_name, "an uncaught C++ exception (MSVC) (0xe06d7363)");
	nsym_crashes_free(c, n);
}
END_TEST

/* The XML of older logs, fifteen <Data> in a fixed order under the
 * Application Error provider (henrypp/simplewall #526), and a fault
 * Windows puts in no module. */
START_TEST(event_xml_by_position_and_unknown_module)
{
	static const char positional[] =
	    "<Event xmlns=\"http://schemas.microsoft.com/win/2004/08/events/event\">\n"
	    "- <System>\n"
	    "    <Provider Name=\"Application Error\" />\n"
	    "    <EventID Qualifiers=\"0\">1000</EventID>\n"
	    "  </System>\n"
	    "- <EventData>\n"
	    "    <Data>node.exe</Data>\n"
	    "    <Data>16.13.0.0</Data>\n"
	    "    <Data>61783fb8</Data>\n"
	    "    <Data>addon.node</Data>\n"
	    "    <Data>0.0.0.0</Data>\n"
	    "    <Data>6b1663a3</Data>\n"
	    "    <Data>c00000fd</Data>\n"
	    "    <Data>0000000000001010</Data>\n"
	    "    <Data>20c8</Data>\n"
	    "    <Data>01d55fe566b769b2</Data>\n"
	    "    <Data>C:\\Program Files\\nodejs\\node.exe</Data>\n"
	    "    <Data>C:\\a &amp; b\\addon.node</Data>\n"
	    "    <Data>33dbe3c4-8f89-420e-81c8-915edb56209f</Data>\n"
	    "    <Data />\n"
	    "    <Data />\n"
	    "  </EventData>\n"
	    "</Event>\n"
	    /* another provider's event: its <Data> are no fault */
	    "<Event><System><Provider Name=\"Other\" /><EventID>1000</EventID></System>"
	    "<EventData><Data>a</Data><Data>b</Data><Data>c</Data><Data>x.node</Data>"
	    "<Data>1</Data><Data>2</Data><Data>3</Data><Data>4</Data></EventData></Event>\n";
	static const char unknown[] =
	    "Faulting application name: node.exe, version: 18.12.1.0, time stamp: 0x637e8a3f\n"
	    "Faulting module name: unknown, version: 0.0.0.0, time stamp: 0x00000000\n"
	    "Exception code: 0xc0000005\n"
	    "Fault offset: 0x000002542550614b\n";
	size_t n;
	struct nsym_crash *c = one_windows(positional, &n);

	ck_assert_uint_eq(n, 1);
	expect_fault(&c[0], "addon.node", "C:\\a & b\\addon.node", 0x6b1663a3, 0x1010,
	             "EXCEPTION_STACK_OVERFLOW (0xc00000fd)", 0x20c8);
	nsym_crashes_free(c, n);

	c = one_windows(unknown, &n);
	ck_assert_uint_eq(n, 1);
	ck_assert_uint_eq(c[0].nmodules, 0);
	ck_assert_int_eq(c[0].frames[0].module, -1);
	ck_assert_uint_eq(c[0].frames[0].pc, 0x2542550614b);
	ck_assert_ptr_nonnull(strstr(c[0].frames[0].why, "outside every image"));
	nsym_crashes_free(c, n);
}
END_TEST

/* A Report.wer as WER keeps it (microsoft/mfcmapi #368, OfficeDev/office-js
 * #465), its fields told by name, the module's path from its LoadedModule
 * line; one of Windows in German, told by place (RocketChat/
 * Rocket.Chat.Electron #2594); a BEX64 with the offset before the code
 * (readest/readest #683); a CLR20r3, which signs no native fault. */
START_TEST(wer_reports_by_name_and_by_place)
{
	static const char wer[] = "Version=1\n"
	                          "EventType=APPCRASH\n"
	                          "EventTime=133877728438194296\n"
	                          "ReportIdentifier=5ccfe0aa-63ee-45cc-b72c-053a4280b3e0\n"
	                          "NsAppName=node.exe\n"
	                          "Sig[0].Name=Application Name\n"
	                          "Sig[0].Value=node.exe\n"
	                          "Sig[1].Name=Application Version\n"
	                          "Sig[1].Value=20.11.1.0\n"
	                          "Sig[2].Name=Application Timestamp\n"
	                          "Sig[2].Value=65b8c8a5\n"
	                          "Sig[3].Name=Fault Module Name\n"
	                          "Sig[3].Value=ADDON.node\n"
	                          "Sig[4].Name=Fault Module Version\n"
	                          "Sig[4].Value=0.0.0.0\n"
	                          "Sig[5].Name=Fault Module Timestamp\n"
	                          "Sig[5].Value=6b1663a3\n"
	                          "Sig[6].Name=Exception Code\n"
	                          "Sig[6].Value=c0000005\n"
	                          "Sig[7].Name=Exception Offset\n"
	                          "Sig[7].Value=0000000000001010\n"
	                          "DynamicSig[1].Name=OS Version\n"
	                          "DynamicSig[1].Value=10.0.19045.2.0.0.256.48\n"
	                          "UI[2]=C:\\Program Files\\nodejs\\node.exe\n"
	                          "LoadedModule[0]=C:\\Program Files\\nodejs\\node.exe\n"
	                          "LoadedModule[1]=C:\\WINDOWS\\SYSTEM32\\ntdll.dll\n"
	                          "LoadedModule[2]=C:\\app\\node_modules\\addon\\addon.node\n"
	                          "Version=1\n"
	                          "EventType=APPCRASH\n"
	                          "Sig[0].Name=Anwendungsname\n"
	                          "Sig[0].Value=Rocket.Chat.exe\n"
	                          "Sig[3].Name=Fehlermodulname\n"
	                          "Sig[3].Value=keytar.node\n"
	                          "Sig[5].Name=Fehlermodulzeitstempel\n"
	                          "Sig[5].Value=6387d555\n"
	                          "Sig[6].Name=Ausnahmecode\n"
	                          "Sig[6].Value=c0000005\n"
	                          "Sig[7].Name=Ausnahmeoffset\n"
	                          "Sig[7].Value=00000000000059e8\n"
	                          "Version=1\n"
	                          "EventType=BEX64\n"
	                          "Sig[0].Name=Application Name\n"
	                          "Sig[0].Value=readest.exe\n"
	                          "Sig[3].Name=Faulty Module Name\n"
	                          "Sig[3].Value=ucrtbase.dll\n"
	                          "Sig[5].Name=Faulty Module Timestamp\n"
	                          "Sig[5].Value=10c46e71\n"
	                          "Sig[6].Name=Abnormal Offset\n"
	                          "Sig[6].Value=000000000007f6fe\n"
	                          "Sig[7].Name=Abnormal Code\n"
	                          "Sig[7].Value=c0000409\n"
	                          "Version=1\n"
	                          "EventType=CLR20r3\n"
	                          "Sig[0].Name=Problem Signature 01\n"
	                          "Sig[0].Value=VWDExpress.exe\n"
	                          "Sig[3].Name=Problem Signature 04\n"
	                          "Sig[3].Value=System\n"
	                          "Sig[7].Name=Problem Signature 08\n"
	                          "Sig[7].Value=17\n";
	size_t n;
	struct nsym_crash *c = one_windows(wer, &n);

	ck_assert_uint_eq(n, 3);
	expect_fault(&c[0], "ADDON.node", "C:\\app\\node_modules\\addon\\addon.node", 0x6b1663a3,
	             0x1010, "EXCEPTION_ACCESS_VIOLATION (0xc0000005)", -1);
	ck_assert_str_eq(c[0].source, "Windows Error Reporting (APPCRASH): node.exe");
	expect_fault(&c[1], "keytar.node", "keytar.node", 0x6387d555, 0x59e8,
	             "EXCEPTION_ACCESS_VIOLATION (0xc0000005)", -1);
	expect_fault(&c[2], "ucrtbase.dll", "ucrtbase.dll", 0x10c46e71, 0x7f6fe,
	             "STATUS_STACK_BUFFER_OVERRUN (0xc0000409)", -1);
	nsym_crashes_free(c, n);
}
END_TEST

/* Event 1001's words after the event 1000 of the same crash, its module a
 * stack hash (digitalcreations/MaxTo #75): one crash; and the Reliability
 * Monitor's problem details, alone. */
START_TEST(problem_signatures_of_event_1001_and_the_reliability_monitor)
{
	static const char both[] =
	    "Faulting application name: node.exe, version: 18.12.1.0, time stamp: 0x637e8a3f\n"
	    "Faulting module name: addon.node, version: 0.0.0.0, time stamp: 0x6b1663a3\n"
	    "Exception code: 0xc0000005\n"
	    "Fault offset: 0x0000000000001010\n"
	    "Faulting process id: 0x5efc\n"
	    "\n"
	    "Fault bucket , type 0\n"
	    "Event Name: APPCRASH\n"
	    "Response: Not available\n"
	    "Cab Id: 0\n"
	    "\n"
	    "Problem signature:\n"
	    "P1: node.exe\n"
	    "P2: 18.12.1.0\n"
	    "P3: 637e8a3f\n"
	    "P4: StackHash_f939\n"
	    "P5: 0.0.0.0\n"
	    "P6: 6b1663a3\n"
	    "P7: c0000005\n"
	    "P8: 0000000000001010\n"
	    "P9: \n"
	    "P10: \n";
	static const char monitor[] = "Problem signature\n"
	                              "Problem Event Name:\tAPPCRASH\n"
	                              "Application Name:\tnode.exe\n"
	                              "Application Version:\t18.12.1.0\n"
	                              "Fault Module Name:\taddon.node\n"
	                              "Fault Module Version:\t0.0.0.0\n"
	                              "Fault Module Timestamp:\t6b1663a3\n"
	                              "Exception Code:\tc0000005\n"
	                              "Exception Offset:\t0000000000001010\n"
	                              "OS Version:\t10.0.19045.2.0.0.256.48\n";
	size_t n;
	struct nsym_crash *c = one_windows(both, &n);

	ck_assert_uint_eq(n, 1);
	expect_fault(&c[0], "addon.node", "addon.node", 0x6b1663a3, 0x1010,
	             "EXCEPTION_ACCESS_VIOLATION (0xc0000005)", 0x5efc);
	nsym_crashes_free(c, n);

	c = one_windows(monitor, &n);
	ck_assert_uint_eq(n, 1);
	expect_fault(&c[0], "addon.node", "addon.node", 0x6b1663a3, 0x1010,
	             "EXCEPTION_ACCESS_VIOLATION (0xc0000005)", -1);
	ck_assert_str_eq(c[0].source, "Windows Error Reporting (APPCRASH): node.exe");
	nsym_crashes_free(c, n);
}
END_TEST

/* text as UTF-16LE with a byte-order mark (a Report.wer), or without one
 * (PowerShell 5's redirect), and UTF-16BE; malloc'd, its length in *len. */
static char *utf16(const char *text, size_t *len, bool bom, bool big)
{
	size_t n = strlen(text);
	char *out = malloc(2 * n + 2), *p = out;

	if (bom) {
		*p++ = (char)(big ? 0xfe : 0xff);
		*p++ = (char)(big ? 0xff : 0xfe);
	}
	for (size_t i = 0; i < n; i++) {
		*p++ = big ? 0 : text[i];
		*p++ = big ? text[i] : 0;
	}
	*len = (size_t)(p - out);
	return out;
}

START_TEST(utf16_text_is_read)
{
	static const char wer[] = "Version=1\r\nEventType=APPCRASH\r\n"
	                          "Sig[3].Name=Fault Module Name\r\nSig[3].Value=addon.node\r\n"
	                          "Sig[5].Name=Fault Module Timestamp\r\nSig[5].Value=6b1663a3\r\n"
	                          "Sig[6].Name=Exception Code\r\nSig[6].Value=c0000005\r\n"
	                          "Sig[7].Name=Exception Offset\r\nSig[7].Value=00001010\r\n";
	static const bool shapes[][2] = {{true, false}, {false, false}, {true, true}};
	struct nsym_report_input in = {.name = "'Report.wer'"};
	struct nsym_crash *c = NULL;
	size_t n;

	for (size_t k = 0; k < sizeof(shapes) / sizeof(shapes[0]); k++) {
		char *text = utf16(wer, &in.len, shapes[k][0], shapes[k][1]);
		in.text = text;
		ck_assert_int_eq(nsym_report_read(&c, &n, &in, NULL), 0);
		ck_assert_uint_eq(n, 1);
		expect_fault(&c[0], "addon.node", "addon.node", 0x6b1663a3, 0x1010,
		             "EXCEPTION_ACCESS_VIOLATION (0xc0000005)", -1);
		nsym_crashes_free(c, n);
		free(text);
	}
	/* a surrogate pair and a lone surrogate in a path: UTF-8, and U+FFFD */
	{
		static const unsigned char odd[] = {
		    0xff, 0xfe, 'F',  0,    'a',  0, 'u', 0, 'l', 0, 't', 0, 'i', 0, 'n',  0,
		    'g',  0,    ' ',  0,    'm',  0, 'o', 0, 'd', 0, 'u', 0, 'l', 0, 'e',  0,
		    ' ',  0,    'n',  0,    'a',  0, 'm', 0, 'e', 0, ':', 0, ' ', 0, 0x3d, 0xd8,
		    0x00, 0xde, 0x00, 0xd8, '.',  0, 'n', 0, 'o', 0, 'd', 0, 'e', 0, '\n', 0,
		    'F',  0,    'a',  0,    'u',  0, 'l', 0, 't', 0, ' ', 0, 'o', 0, 'f',  0,
		    'f',  0,    's',  0,    'e',  0, 't', 0, ':', 0, ' ', 0, '0', 0, 'x',  0,
		    '1',  0,    '0',  0,    '\n', 0};
		in.text = (const char *)odd;
		in.len = sizeof(odd);
		ck_assert_int_eq(nsym_report_read(&c, &n, &in, NULL), 0);
		ck_assert_uint_eq(n, 1);
		ck_assert_str_eq(c[0].modules[0].name, "\xf0\x9f\x98\x80\xef\xbf\xbd.node");
		nsym_crashes_free(c, n);
	}
}
END_TEST

/* The tools' stacks a text holds, all of them. */
static struct nsym_crash *tools(const char *text, size_t *n)
{
	struct nsym_crash *crashes = NULL;

	ck_assert_int_eq(nsym_crash_from_tools(&crashes, n, text, strlen(text), NULL, NULL), 0);
	return crashes;
}

/* WinDbg's k (electron/electron #8829: numbered in hex, a frame of JIT code
 * as "0x…"; #3208: x86 with a source) and !analyze -v's STACK_TEXT
 * (nodejs/node #23209, bitfocus/companion #3917) after its exception
 * record. */
START_TEST(windbg_stacks_give_modules_offsets_and_addresses)
{
	static const char k[] =
	    "0:000> k\n"
	    " # Child-SP          RetAddr               Call Site\n"
	    "00 00000087`027fb370 00007ff9`a0781009     addon!level_three+0x2f "
	    "[C:\\src\\crasher.c @ 34]\n"
	    "01 00000087`027fb3a0 00007ff6`359de40f     addon+0x1040\n"
	    "02 00000087`027fb3d0 00007ff6`359e1b40     "
	    "node!v8impl::`anonymous namespace'::FunctionCallbackWrapper::Invoke+0xbf\n"
	    "09 00000087`027fbb90 00000087`027fbbe0     0x00000254`2550614b\n"
	    "3c 0051f0cc 6e5fb83b node!v8::internal::Invoke+0x203 "
	    "[y:\\v8\\src\\execution.cc @ 129]\n";
	static const char analyze[] =
	    "EXCEPTION_RECORD:  (.exr -1)\n"
	    "ExceptionAddress: 00007ff9a0781010 (addon!napi_register_module_v1+0x10)\n"
	    "   ExceptionCode: c0000005 (Access violation)\n"
	    "Attempt to write to address 0000000000000000\n"
	    "\n"
	    "STACK_TEXT:  \n"
	    "00000045`783fc850 00007ff9`a0781009     : 00000000`00000000 00000000`00000000 "
	    "00000000`00000000 00000000`00000000 : addon!napi_register_module_v1+0x10\n"
	    "00000045`783fc890 00007ff6`6b7c016f     : 00000000`00000000 00000000`00000000 "
	    "00000000`00000000 00000000`00000000 : addon+0x1009\n"
	    "00000045`783fc8d0 00000000`00000000     : 00000000`00000000 00000000`00000000 "
	    "00000000`00000000 00000000`00000000 : rspack_win32_x64_msvc!napi_register_module_v1\n"
	    "0028e4c0 6a3b1d22 3d2f9a1e_tmp!some_call+0x3b\n";
	size_t n;
	struct nsym_crash *c = tools(k, &n);

	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(c[0].source, "WinDbg stack");
	ck_assert_uint_eq(c[0].nframes, 5);
	ck_assert_str_eq(c[0].modules[0].path, "addon");
	ck_assert_int_eq(c[0].modules[0].format, NSYM_FORMAT_PE);
	/* frame 0: WinDbg's own answer, kept; where the thread was */
	ck_assert_str_eq(c[0].frames[0].symbol, "level_three+0x2f [C:\\src\\crasher.c @ 34]");
	ck_assert(!c[0].frames[0].return_address);
	ck_assert_uint_eq(c[0].frames[0].pc, 0);
	/* frame 1: its offset given, its address the RetAddr above it */
	ck_assert_int_eq(c[0].frames[1].how, NSYM_OFFSET_GIVEN);
	ck_assert_uint_eq(c[0].frames[1].rel, 0x1040);
	ck_assert_uint_eq(c[0].frames[1].pc, 0x7ff9a0781009);
	ck_assert(c[0].frames[1].return_address);
	ck_assert_str_eq(c[0].frames[2].symbol,
	                 "v8impl::`anonymous namespace'::FunctionCallbackWrapper::Invoke");
	ck_assert_uint_eq(c[0].frames[2].symbol_offset, 0xbf);
	ck_assert_uint_eq(c[0].frames[2].pc, 0x7ff6359de40f);
	ck_assert_int_eq(c[0].frames[3].module, -1);
	ck_assert_uint_eq(c[0].frames[3].pc, 0x2542550614b);
	ck_assert_str_eq(c[0].frames[4].symbol,
	                 "v8::internal::Invoke+0x203 [y:\\v8\\src\\execution.cc @ 129]");
	nsym_crashes_free(c, n);

	c = tools(analyze, &n);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(c[0].source, "WinDbg stack: STACK_TEXT");
	ck_assert_str_eq(c[0].signal_name, "EXCEPTION_ACCESS_VIOLATION");
	ck_assert(c[0].has_address);
	ck_assert_uint_eq(c[0].fault_address, 0);
	ck_assert_uint_eq(c[0].nframes, 4);
	ck_assert_str_eq(c[0].frames[0].symbol, "napi_register_module_v1");
	ck_assert_uint_eq(c[0].frames[0].symbol_offset, 0x10);
	ck_assert(!c[0].frames[0].return_address);
	/* the frames of addon give both an address and an offset: its load */
	ck_assert_int_eq(c[0].frames[1].how, NSYM_OFFSET_GIVEN);
	ck_assert_uint_eq(c[0].frames[1].pc, 0x7ff9a0781009);
	ck_assert(c[0].modules[0].has_base);
	ck_assert_uint_eq(c[0].modules[0].base, 0x7ff9a0780000);
	ck_assert_str_eq(c[0].modules[1].path, "rspack_win32_x64_msvc");
	/* "module!function": at the function's start, which places it */
	ck_assert(c[0].frames[2].has_symbol_offset);
	ck_assert_uint_eq(c[0].frames[2].symbol_offset, 0);
	ck_assert(c[0].frames[0].has_symbol_offset);
	ck_assert_str_eq(c[0].modules[2].path, "3d2f9a1e_tmp");
	ck_assert_uint_eq(c[0].frames[3].symbol_offset, 0x3b);
	nsym_crashes_free(c, n);
}
END_TEST

/* StackWalker's lines (its OnCallstackEntry: "%p (%s): %s: %s" when dbghelp
 * finds no source, "%s (%d): %s" when it does), after a test runner's tag. */
START_TEST(stackwalker_lines_give_modules_and_addresses)
{
	static const char text[] =
	    "[test] 00007FFF81A0960B (ntdll): (filename not available): RtlImageNtHeaderEx\n"
	    "[test] 00007FF9A0781009 (crasher): (filename not available): "
	    "napi_register_module_v1\n"
	    "[test] 00007FF9A0781040 (crasher): (filename not available): (function-name not "
	    "available)\n"
	    "[test] C:\\Program Files\\app\\src\\main.cpp (42): main\n"
	    "[test] 0000000000401000 ((module-name not available)): (filename not available): "
	    "(function-name not available)\n";
	size_t n;
	struct nsym_crash *c = tools(text, &n);

	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(c[0].source, "StackWalker stack (Windows)");
	ck_assert_uint_eq(c[0].nframes, 5);
	ck_assert_str_eq(c[0].modules[0].path, "ntdll");
	ck_assert_int_eq(c[0].modules[1].format, NSYM_FORMAT_PE);
	ck_assert_uint_eq(c[0].frames[1].pc, 0x7ff9a0781009);
	ck_assert_str_eq(c[0].frames[1].symbol, "napi_register_module_v1");
	ck_assert_int_eq(c[0].frames[2].module, 1);
	ck_assert_ptr_null(c[0].frames[2].symbol);
	ck_assert_ptr_nonnull(strstr(c[0].frames[2].why, "a load address is needed"));
	ck_assert_str_eq(c[0].frames[3].symbol, "C:\\Program Files\\app\\src\\main.cpp (42): main");
	ck_assert_int_eq(c[0].frames[3].module, -1);
	ck_assert_int_eq(c[0].frames[4].module, -1);
	ck_assert_uint_eq(c[0].frames[4].pc, 0x401000);
	nsym_crashes_free(c, n);
}
END_TEST

/* A PE module answers to its file name in any case and to the name
 * debuggers give it; other modules to their name only. */
START_TEST(pe_modules_answer_to_their_debugger_names)
{
	struct nsym_crash_module pe = {.name = "rspack_win32_x64_msvc", .format = NSYM_FORMAT_PE};
	struct nsym_crash_module file = {.name = "Addon.NODE", .format = NSYM_FORMAT_PE};
	struct nsym_crash_module elf = {.path = "/app/addon.node"};

	ck_assert(nsym_crash_module_named(&pe, "rspack.win32-x64-msvc.node"));
	ck_assert(nsym_crash_module_named(&pe, "RSPACK.WIN32-X64-MSVC.NODE"));
	ck_assert(!nsym_crash_module_named(&pe, "rspack.win32-x64-msvc.pdb.x"));
	ck_assert(!nsym_crash_module_named(&pe, "rspack.node"));
	ck_assert(nsym_crash_module_named(&file, "addon.node"));
	ck_assert(!nsym_crash_module_named(&file, "addon.nodes"));
	ck_assert(nsym_crash_module_named(&elf, "addon.node"));
	ck_assert(!nsym_crash_module_named(&elf, "Addon.node"));
	elf.path = "addon";
	ck_assert(!nsym_crash_module_named(&elf, "addon.node"));
}
END_TEST

/* nsym_report_read finds Windows' records and a tool's stack in one paste,
 * and says what it reads when it finds none. */
START_TEST(report_read_reads_windows_texts)
{
	struct nsym_report_input in = {.name = "'issue.txt'"};
	struct nsym_crash *c = NULL;
	size_t n, len = strlen(event) + 200;
	char *text = malloc(len);

	snprintf(text, len, "%s\n 1: 00007FF9A0781009 napi_register_module_v1+9\n", event);
	in.text = text;
	in.len = strlen(text);
	ck_assert_int_eq(nsym_report_read(&c, &n, &in, NULL), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(c[0].source, "Windows Application Error event: node.exe");
	ck_assert_str_eq(c[1].source, "Node.js fatal error stack");
	ck_assert_uint_eq(c[1].frames[0].pc, 0x7ff9a0781009);
	nsym_crashes_free(c, n);
	free(text);

	in.text = "Faulting application name: node.exe\n";
	in.len = strlen(in.text);
	ck_assert_int_eq(nsym_report_read(&c, &n, &in, NULL), NSYM_EINVAL);
	ck_assert_ptr_nonnull(strstr(nsym_error_detail(), "a Windows Application Error event or "
	                                                  "WER report"));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("report_windows");
	TEST_ADD(s, event_words_and_xml_are_one_crash);
	TEST_ADD(s, event_words_read_wrapped_quoted_and_joined);
	TEST_ADD(s, event_xml_by_position_and_unknown_module);
	TEST_ADD(s, wer_reports_by_name_and_by_place);
	TEST_ADD(s, problem_signatures_of_event_1001_and_the_reliability_monitor);
	TEST_ADD(s, utf16_text_is_read);
	TEST_ADD(s, windbg_stacks_give_modules_offsets_and_addresses);
	TEST_ADD(s, stackwalker_lines_give_modules_and_addresses);
	TEST_ADD(s, pe_modules_answer_to_their_debugger_names);
	TEST_ADD(s, report_read_reads_windows_texts);
	return test_run(s);
}
