/* Linked by the arrows_*_alone tests (CMakeLists.txt) with every object of one room and only the
 * rooms that room declares: it links when the room calls nothing beyond them. */
int main(void)
{
    return 0;
}
