# Turns the page's files (server/page/*) into one C file of byte arrays, at
# build time: cmake -DOUT=FILE -DFILES="a;b" -P NsymEmbed.cmake. Each file
# becomes an entry of nsym_page_assets (server/page.h): its name, its media
# type (told from its suffix), its bytes and an ETag made of its SHA-256, so
# the binary carries the page and needs nothing beside it at run time.
set(text "/* Generated from server/page/ by cmake/NsymEmbed.cmake; do not edit. */\n")
string(APPEND text "#include \"page.h\"\n\n")
set(entries "")
set(index 0)
foreach(file ${FILES})
  get_filename_component(name ${file} NAME)
  if(name MATCHES "\\.html$")
    set(type "text/html; charset=utf-8")
  elseif(name MATCHES "\\.css$")
    set(type "text/css; charset=utf-8")
  elseif(name MATCHES "\\.js$")
    set(type "text/javascript; charset=utf-8")
  else()
    message(FATAL_ERROR "${file}: no media type known for this suffix")
  endif()
  file(READ ${file} hex HEX)
  file(SHA256 ${file} sha)
  string(LENGTH "${hex}" digits)
  math(EXPR size "${digits} / 2")
  string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
  # 16 bytes a line
  string(REGEX REPLACE "((0x..,){16})" "\\1\n  " bytes "${bytes}")
  string(APPEND text "static const unsigned char asset${index}[] = {\n  ${bytes}0};\n")
  string(SUBSTRING ${sha} 0 32 etag)
  string(APPEND entries "  {\"${name}\", \"${type}\", asset${index}, ${size}, \"\\\"${etag}\\\"\"},\n")
  math(EXPR index "${index} + 1")
endforeach()
string(APPEND text "\nconst struct nsym_page_asset nsym_page_assets[] = {\n${entries}")
string(APPEND text "  {NULL, NULL, NULL, 0, NULL},\n};\n")
file(WRITE ${OUT}.tmp "${text}")
# copy_if_different, not file(COPY_FILE ... ONLY_IF_DIFFERENT): CMake 3.21+,
# and the npm packages are built with Debian 11's 3.18
execute_process(COMMAND ${CMAKE_COMMAND} -E copy_if_different ${OUT}.tmp ${OUT})
file(REMOVE ${OUT}.tmp)
