# The Debian package (CPack DEB): cmake --build BUILD --target deb -> BUILD/scaleft-forwarder_<v>-1_<arch>.deb
# Build it from a tree configured with -DSF_TEST_HOOKS=OFF (tests/deploy/test_package.py does exactly this).
include(GNUInstallDirs)

set(SF_DEB_DIR ${PROJECT_SOURCE_DIR}/deploy/debian)
set(SF_SYSTEMD_DIR ${PROJECT_SOURCE_DIR}/deploy/systemd)
set(SF_DOC_DIR share/doc/scaleft-forwarder)

# The binary comes from daemon/CMakeLists.txt (bin/); these are the files around it.
install(PROGRAMS ${SF_SYSTEMD_DIR}/scaleft-forwarder-ctl DESTINATION bin)
install(FILES ${SF_SYSTEMD_DIR}/scaleft-forwarder.service ${SF_SYSTEMD_DIR}/scaleft-forwarder@.service
        DESTINATION /lib/systemd/system)
# A conffile (deploy/debian/conffiles): dpkg keeps the operator's edits on upgrade. No secret in it.
install(FILES ${SF_SYSTEMD_DIR}/forwarder.yaml DESTINATION /etc/scaleft-forwarder)
# Where the operator puts the secrets (root-only); systemd hands them over with LoadCredential=.
install(DIRECTORY DESTINATION /etc/scaleft-forwarder/credentials
        DIRECTORY_PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE)

# Debian wants the changelog compressed without a timestamp (gzip -n) so the package is reproducible.
set(SF_CHANGELOG_GZ ${PROJECT_BINARY_DIR}/packaging/changelog.Debian.gz)
file(MAKE_DIRECTORY ${PROJECT_BINARY_DIR}/packaging)
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${SF_DEB_DIR}/changelog)
execute_process(COMMAND gzip -9nc ${SF_DEB_DIR}/changelog OUTPUT_FILE ${SF_CHANGELOG_GZ}
                COMMAND_ERROR_IS_FATAL ANY)
install(FILES ${SF_DEB_DIR}/copyright ${SF_CHANGELOG_GZ} ${PROJECT_SOURCE_DIR}/README.md
        DESTINATION ${SF_DOC_DIR})
install(FILES ${SF_SYSTEMD_DIR}/examples/team-a.yaml ${SF_SYSTEMD_DIR}/examples/team-b.yaml
        DESTINATION ${SF_DOC_DIR}/examples)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME scaleft-forwarder)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
# Absolute destinations (/etc, /lib/systemd/system) land inside the package, not on this machine, and the
# rest under /usr whatever CMAKE_INSTALL_PREFIX says (/usr/local is not for packages).
set(CPACK_SET_DESTDIR ON)
set(CPACK_INSTALL_PREFIX /usr)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_PACKAGE_CONTACT "scaleft-forwarder maintainers <maintainers@users.noreply.r-seed-7c92daea.example>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "forwards ScaleFT (Okta ASA) audit events to Elasticsearch and files")
# The extended description (CPack indents it and puts the summary above it): lines under 80 columns.
string(CONCAT CPACK_DEBIAN_PACKAGE_DESCRIPTION
       "scaleft-forwarder pulls the audit events of a ScaleFT (Okta Advanced Server\n"
       "Access) team and ships them to Elasticsearch (the _bulk API) and to NDJSON\n"
       "files, keeping a checkpoint so that no event is lost across restarts. It runs\n"
       "as a hardened systemd service, one instance per team, and rotates its API key.")
set(CPACK_DEBIAN_PACKAGE_RELEASE 1)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION admin)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_HOMEPAGE "https://github.com/scaleft-forwarder/scaleft-forwarder")
# Depends: from the libraries the binary links (dpkg-shlibdeps), so it is always exactly right.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA ${SF_DEB_DIR}/conffiles ${SF_DEB_DIR}/postinst ${SF_DEB_DIR}/prerm
                                       ${SF_DEB_DIR}/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
include(CPack)

# `cmake --build BUILD --target deb`: builds only what the package holds (not the simulators), then packages.
add_custom_target(deb COMMAND ${CMAKE_CPACK_COMMAND} --config ${PROJECT_BINARY_DIR}/CPackConfig.cmake
                  WORKING_DIRECTORY ${PROJECT_BINARY_DIR} VERBATIM)
add_dependencies(deb scaleft-forwarder)
