# The real test nodes as ctest fixtures `es_node` (Elasticsearch) and `os_node` (OpenSearch): each started once
# per ctest run, then stopped.
include_guard(GLOBAL)
set(SF_ES_NODE_STATE_DIR ${CMAKE_BINARY_DIR}/es-node CACHE INTERNAL "")
# Installed by scripts/install-es-node.sh (never at build or test time).
set(SF_ES_CLIENT_PYTHON $ENV{HOME}/.cache/scaleft-forwarder/es-client-venv/bin/python CACHE INTERNAL "")
set(SF_OS_NODE_STATE_DIR ${CMAKE_BINARY_DIR}/os-node CACHE INTERNAL "")
set(SF_ES_NODE_ENV "SF_ES_NODE_URL_FILE=${SF_ES_NODE_STATE_DIR}/url;SF_OS_NODE_URL_FILE=${SF_OS_NODE_STATE_DIR}/url;\
SF_ES_CLIENT_PYTHON=${SF_ES_CLIENT_PYTHON}" CACHE INTERNAL "")
add_test(NAME es_node_start COMMAND /usr/bin/python3 ${CMAKE_CURRENT_LIST_DIR}/es_node_ctl.py start
                                    ${SF_ES_NODE_STATE_DIR})
add_test(NAME es_node_stop COMMAND /usr/bin/python3 ${CMAKE_CURRENT_LIST_DIR}/es_node_ctl.py stop
                                   ${SF_ES_NODE_STATE_DIR})
set_tests_properties(es_node_start PROPERTIES FIXTURES_SETUP es_node TIMEOUT 240)
set_tests_properties(es_node_stop PROPERTIES FIXTURES_CLEANUP es_node TIMEOUT 60)
add_test(NAME os_node_start COMMAND /usr/bin/python3 ${CMAKE_CURRENT_LIST_DIR}/es_node_ctl.py start
                                    ${SF_OS_NODE_STATE_DIR} opensearch)
add_test(NAME os_node_stop COMMAND /usr/bin/python3 ${CMAKE_CURRENT_LIST_DIR}/es_node_ctl.py stop
                                   ${SF_OS_NODE_STATE_DIR} opensearch)
set_tests_properties(os_node_start PROPERTIES FIXTURES_SETUP os_node TIMEOUT 240)
set_tests_properties(os_node_stop PROPERTIES FIXTURES_CLEANUP os_node TIMEOUT 60)
