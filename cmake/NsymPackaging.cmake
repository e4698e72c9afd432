# What `cmake --install` lays out, and the Debian package CPack makes of it
# (`cpack -G DEB` in the build folder). Component runtime: the program and
# the hook, in the layout `napi-symbols run` finds the hook by
# (bin/napi-symbols, lib/napi-symbols/libnapi_symbols_hook.so), which the
# npm packages take too (scripts/npm-build.sh). Component server: the
# systemd unit, its settings file and the man pages, made at build time from
# the program's own help text (packaging/man.sh), so they cannot drift.
include(GNUInstallDirs)

install(TARGETS napi-symbols RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT runtime)
install(TARGETS napi_symbols_hook LIBRARY DESTINATION lib/napi-symbols COMPONENT runtime)

# A cross build cannot run the program it built to ask for its help.
if(NOT CMAKE_CROSSCOMPILING)
  set(man_dir ${CMAKE_BINARY_DIR}/man)
  add_custom_command(OUTPUT ${man_dir}/napi-symbols.1
    COMMAND ${CMAKE_COMMAND} -E rm -rf ${man_dir}
    COMMAND ${PROJECT_SOURCE_DIR}/packaging/man.sh $<TARGET_FILE:napi-symbols> ${man_dir}
    DEPENDS napi-symbols ${PROJECT_SOURCE_DIR}/packaging/man.sh
    COMMENT "man pages from the help text")
  add_custom_target(man ALL DEPENDS ${man_dir}/napi-symbols.1)
  install(DIRECTORY ${man_dir}/ DESTINATION ${CMAKE_INSTALL_MANDIR}/man1 COMPONENT server)
endif()
install(FILES ${PROJECT_SOURCE_DIR}/packaging/deb/napi-symbols-server.service
  DESTINATION lib/systemd/system COMPONENT server)
# The unit names /usr/bin/napi-symbols and /etc/napi-symbols/server.conf:
# the Debian package is made from a build configured with
# -DCMAKE_INSTALL_PREFIX=/usr, whose settings go to /etc (as GNUInstallDirs
# puts them for that prefix); another prefix keeps them under itself.
if(CMAKE_INSTALL_PREFIX STREQUAL "/usr")
  set(conf_dir /etc/napi-symbols)
else()
  set(conf_dir ${CMAKE_INSTALL_SYSCONFDIR}/napi-symbols)
endif()
install(FILES ${PROJECT_SOURCE_DIR}/packaging/deb/server.conf
  DESTINATION ${conf_dir} COMPONENT server)

# The Debian package: both components in one napi-symbols_VERSION_ARCH.deb,
# its dependencies found by dpkg-shlibdeps, the settings file a conffile,
# and maintainer scripts that make the napi-symbols system user and the
# store folder /var/lib/napi-symbols (packaging/deb/).
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME napi-symbols)
set(CPACK_PACKAGE_CONTACT "napi-symbols maintainers")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
  "turns crashes of stripped native Node.js addons into source lines")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEB_COMPONENT_INSTALL OFF)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION devel)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# libcurl and libpq are loaded with dlopen (cli/curl_load.c,
# server/pq_load.c), which shlibdeps cannot see: libcurl for every talk to
# a server; libpq only for a PostgreSQL store, hence a recommendation.
set(CPACK_DEBIAN_PACKAGE_DEPENDS "passwd, libcurl4")
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "libpq5")
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
  ${PROJECT_SOURCE_DIR}/packaging/deb/conffiles
  ${PROJECT_SOURCE_DIR}/packaging/deb/postinst
  ${PROJECT_SOURCE_DIR}/packaging/deb/prerm
  ${PROJECT_SOURCE_DIR}/packaging/deb/postrm)
include(CPack)
